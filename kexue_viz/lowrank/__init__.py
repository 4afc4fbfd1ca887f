"""The road to low-rank approximation (低秩近似之路, posts 10366, 10407, 10427, 10501, 10662).

Modules (torch float64 on :func:`kexue_viz.device.get_device`, SciPy only where torch has no kernel):

* :mod:`.pinv` — pseudo-inverse by every route of post 1: ``pinv``, ``pinv_path``, ``tikhonov_gap``,
  ``tikhonov_gap_norm``, ``pinv_gradient_descent``, ``loss_gradients``, ``solution_set_member``,
  ``conditioning_table``;
* :mod:`.svd` — SVD, Eckart–Young–Mirsky, the LoRA-GA variant, the 2×2 geometry (post 2): ``svd``
  (``route='eig'`` teaching route), ``truncated_svd``, ``tail_norms``, ``eym_tail``, ``eym_weights``,
  ``lora_ga_optimum``, ``lora_ga_loss``, ``als_low_rank``, ``svd_geometry_2x2``;
* :mod:`.cr` — CR approximation of a product (post 3): ``cr_norms``, ``cr_gram``, ``cr_probabilities``,
  ``cr_single_draw_error``, ``cr_expected_error``, ``cr_break_even``, ``cr_draws``, ``cr_sample_weights``,
  ``cr_sample``, ``cr_sample_errors``, ``cr_weights_error``, ``cr_error``, ``cr_top``, ``cr_subset_norms``,
  ``cr_exact``, ``cr_greedy``, ``cr_middle``;
* :mod:`.idec` — column-pivoted QR and interpolative decompositions (post 4): ``cpqr``, ``id_cpqr``,
  ``id_error_curve``, ``id_sketch``, ``id_colsample``, ``id_r1_exact``, ``id_greedy_total``;
* :mod:`.cur` — CUR, leverage scores, DEIM (post 5): ``cur``, ``leverage_scores``, ``deim``, ``qdeim``,
  ``deim_cur``, ``sorensen_embree_bound``, ``select_columns``;
* :mod:`.curves` — error curves for every rank in one pass and literature reference lines:
  ``id_projection_curve``, ``cur_error_curve``, ``volume_sampling_bound``, ``interpolative_bound``;
* :mod:`.rsvd` — randomised SVD (Halko–Martinsson–Tropp), the practitioner's baseline: ``rsvd``
  (``route='torch'``: ``torch.svd_lowrank``), ``range_finder``, ``sklearn_omega``, ``hmt_frobenius_bound``,
  ``hmt_spectral_bound``;
* :mod:`.matrices` — presets: controlled spectra, Kahan, images shipped with installed packages, CR pairs,
  uploads (``MatrixSpec``, ``build_matrix``, ``build_product``, ``matrix_from_upload``, ``block_average``,
  ``center_columns``, ``with_spectrum``, ``kahan``, ``haar_orthogonal``);
* :mod:`.pipeline` — the low-rank lab's results, memoised for the whole process by the matrix's name (a
  ``MatrixSpec`` or an upload's digest) and the method settings; :mod:`.views`, :mod:`.text`,
  :mod:`.dashboard` — the lab itself (``apps/low_rank.py``).
"""
