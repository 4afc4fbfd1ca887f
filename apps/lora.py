"""LoRA vs full fine-tuning: `panel serve apps/lora.py` (or `kexue-viz serve`)."""
from kexue_viz.lora.dashboard import LoRADashboard
from kexue_viz.ui import serve

serve(LoRADashboard)
