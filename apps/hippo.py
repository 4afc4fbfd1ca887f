"""HiPPO dynamics: `panel serve apps/hippo.py` (or `kexue-viz serve`)."""
from kexue_viz.ssm.dashboard import HippoDashboard
from kexue_viz.ui import serve

serve(HippoDashboard)
