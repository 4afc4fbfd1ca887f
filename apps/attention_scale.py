"""Attention scale: `panel serve apps/attention_scale.py` (or `kexue-viz serve`)."""
from kexue_viz.attention.dashboard import AttentionScaleDashboard
from kexue_viz.ui import serve

serve(AttentionScaleDashboard)
