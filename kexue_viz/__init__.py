"""kexue_viz: interactive, verified figures for the mathematics of 科学空间 (kexue.fm).

Series packages: :mod:`kexue_viz.ssm` (重温SSM: HiPPO). Shared pieces: :mod:`kexue_viz.device`
(torch device and threads), :mod:`kexue_viz.export` (figures to PNG/SVG/PDF),
:mod:`kexue_viz.ui` (the dashboard frame), :mod:`kexue_viz.live` (in-place plot updates),
:mod:`kexue_viz.cli` (``kexue-viz list | serve | export``).
"""
__version__ = "0.1.0"
