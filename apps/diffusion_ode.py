"""Diffusion ODE trajectories: `panel serve apps/diffusion_ode.py` (or `kexue-viz serve`)."""
from kexue_viz.diffusion.dashboard import DiffusionOdeDashboard
from kexue_viz.ui import serve

serve(DiffusionOdeDashboard)
