"""The LoRA series: gradient view, LoRA+, LoRA-GA, LoRA-Pro (posts 9590, 10001, 10226, 10266).

Layout of the brief (§2.1): Y = XW with W (n×m), W = W_base + s·AB, A (n×r) input side, B (r×m) output
side, G = ∂L/∂W. Torch float64 on :func:`kexue_viz.device.get_device`, seeded, one thread.

Modules:

* :mod:`.adapters` — LoRA's gradients from G or from activations, the exact SGD increment and the
  equivalent gradient (9590); random-projection and additive adapters (9590); LoRA+ ratio rules (10001);
  ``svd_flip`` and the LoRA-GA initialisation with its scales, Adam's sign objective and c* (10226);
* :mod:`.pro` — LoRA-Pro's projectors, equivalent gradient, directions for every choice of C, the eigh
  Sylvester solver and ``LoRAProOptimizer`` (SGD, Adam with full or per-factor moments) (10266);
* :mod:`.problems` — the linear teacher–student problem and the digits mirror task;
* :mod:`.runners` — methods run side by side with per-step records;
* :mod:`.diagnostics` — per-step diagnostics (cosines, gaps, distances, singular values).
"""
