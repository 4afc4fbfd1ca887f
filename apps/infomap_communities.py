"""InfoMap communities: `panel serve apps/infomap_communities.py` (or `kexue-viz serve`)."""
from kexue_viz.mapequation.dashboard import InfomapDashboard
from kexue_viz.ui import serve

serve(InfomapDashboard)
