"""Low-rank lab (the road to low-rank approximation): `panel serve apps/low_rank.py` (or `kexue-viz serve`)."""
from kexue_viz.lowrank.dashboard import LowRankDashboard
from kexue_viz.ui import serve

serve(LowRankDashboard)
