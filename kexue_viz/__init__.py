"""kexue_viz: interactive, verified figures for the mathematics of 科学空间 (kexue.fm).

Series packages: :mod:`kexue_viz.ssm` (重温SSM), :mod:`kexue_viz.diffusion` (生成扩散模型漫谈),
:mod:`kexue_viz.attention`, :mod:`kexue_viz.scaling`, :mod:`kexue_viz.mapequation` (最小熵原理).
Shared pieces: :mod:`kexue_viz.device` (torch device and threads), :mod:`kexue_viz.export`
(figures to PNG/SVG/PDF),
:mod:`kexue_viz.ui` (the dashboard frame), :mod:`kexue_viz.live` (in-place plot updates),
:mod:`kexue_viz.notebook` (notebooks that load nothing from CDNs), :mod:`kexue_viz.registry`
(the dashboards, their titles and parameters), :mod:`kexue_viz.cli`
(``kexue-viz list | serve | export``).

Importing this package imports nothing else: ``kexue-viz list`` and ``--help`` stay fast.
"""
__version__ = "0.1.0"
