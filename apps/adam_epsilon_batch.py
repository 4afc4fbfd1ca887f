"""Adam ε vs batch size: `panel serve apps/adam_epsilon_batch.py` (or `kexue-viz serve`)."""
from kexue_viz.scaling.dashboard import AdamEpsilonDashboard
from kexue_viz.ui import serve

serve(AdamEpsilonDashboard)
