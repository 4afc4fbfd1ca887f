"""`panel serve apps/`: every dashboard in one app, `/apps`, with a landing page linking them all;
`/apps?app=hippo` is the page `panel serve apps/hippo.py` serves (kexue_viz.landing)."""
from kexue_viz.landing import serve_directory

serve_directory()
