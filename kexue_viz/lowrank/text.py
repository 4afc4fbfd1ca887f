"""Reader-facing text of the low-rank lab and its figures, in Chinese and English."""
from ..i18n import TextTable

METHOD_NAMES = {
    "svd": {"zh": "SVD（最优）", "en": "SVD (optimal)"},
    "rsvd": {"zh": "随机 SVD", "en": "randomised SVD"},
    "id_cpqr": {"zh": "ID·CPQR", "en": "ID · CPQR"},
    "id_sketch": {"zh": "ID·高斯草图", "en": "ID · Gaussian sketch"},
    "id_colsample": {"zh": "ID·列采样", "en": "ID · column sampling"},
    "id_greedy": {"zh": "ID·贪心总误差", "en": "ID · greedy total error"},
    "cur_deim": {"zh": "CUR·DEIM", "en": "CUR · DEIM"},
    "cur_leverage": {"zh": "CUR·杠杆分数采样", "en": "CUR · leverage sampling"},
    "cur_cpqr": {"zh": "CUR·CPQR", "en": "CUR · CPQR"},
}
"""Each method's name, under ``method.<key>`` (views), ``methods.<key>`` and ``focus.<key>`` (the options
of the two controls that list methods)."""

TEXT = TextTable({
    **{f"{prefix}.{key}": name for key, name in METHOD_NAMES.items() for prefix in ("method", "methods", "focus")},
    "title": {"zh": "低秩近似实验室", "en": "Low-rank lab"},
    "post_10366": {"zh": "低秩近似之路（一）：伪逆", "en": "Road to low rank (1): pseudo-inverse"},
    "post_10407": {"zh": "低秩近似之路（二）：SVD", "en": "Road to low rank (2): SVD"},
    "post_10427": {"zh": "低秩近似之路（三）：CR", "en": "Road to low rank (3): CR"},
    "post_10501": {"zh": "低秩近似之路（四）：ID", "en": "Road to low rank (4): ID"},
    "post_10662": {"zh": "低秩近似之路（五）：CUR", "en": "Road to low rank (5): CUR"},
    # parameters
    "source": {"zh": "矩阵", "en": "Matrix"},
    "source.china": {"zh": "图像：中国宫殿（sklearn）", "en": "image: China palace (sklearn)"},
    "source.flower": {"zh": "图像：花（sklearn）", "en": "image: flower (sklearn)"},
    "source.grace_hopper": {"zh": "图像：Grace Hopper（matplotlib）", "en": "image: Grace Hopper (matplotlib)"},
    "source.mri": {"zh": "图像：MRI 切片（matplotlib）", "en": "image: MRI slice (matplotlib)"},
    "source.dem": {"zh": "高程图（matplotlib）", "en": "elevation map (matplotlib)"},
    "source.digits": {"zh": "数据：手写数字 n×64", "en": "data: digits n×64"},
    "source.geometric": {"zh": "合成：σᵢ = 0.9ⁱ", "en": "synthetic: σᵢ = 0.9ⁱ"},
    "source.polynomial": {"zh": "合成：σᵢ = 1/i", "en": "synthetic: σᵢ = 1/i"},
    "source.rank_noise": {"zh": "合成：秩 10 + 噪声", "en": "synthetic: rank 10 + noise"},
    "source.gaussian": {"zh": "合成：高斯（平坦谱）", "en": "synthetic: Gaussian (flat spectrum)"},
    "source.coherent": {"zh": "对抗：少数响亮列", "en": "adversarial: a few loud columns"},
    "source.kahan": {"zh": "对抗：Kahan 矩阵（CPQR 失效）", "en": "adversarial: Kahan (CPQR fails)"},
    "source.hilbert": {"zh": "Hilbert 矩阵", "en": "Hilbert matrix"},
    "source.upload": {"zh": "上传的矩阵", "en": "uploaded matrix"},
    "size": {"zh": "长边（像素/列数）", "en": "Long side"},
    "size.512": {"zh": "512（较慢）", "en": "512 (slow)"},
    "center": {"zh": "按列中心化", "en": "Centre the columns"},
    "r": {"zh": "秩 r", "en": "Rank r"},
    "methods": {"zh": "方法", "en": "Methods"},
    "focus": {"zh": "近似图显示的方法", "en": "Method shown in the images"},
    "u_choice": {"zh": "CUR 的中间矩阵 U", "en": "CUR middle factor U"},
    "u_choice.opt": {"zh": "C†MR†（最优）", "en": "C†MR† (optimal)"},
    "u_choice.cross": {"zh": "M[S₂,S₁]†（交叉）", "en": "M[S₂,S₁]† (cross)"},
    "u_choice.cross_trunc": {"zh": "截断的交叉 U", "en": "truncated cross"},
    "log_tau": {"zh": "截断阈值 log₁₀ τ", "en": "Truncation log₁₀ τ"},
    "leverage_k": {"zh": "杠杆分数的秩 k（0 = r）", "en": "Leverage rank k (0 = r)"},
    "rsvd_p": {"zh": "随机 SVD 过采样 p", "en": "rSVD oversampling p"},
    "rsvd_q": {"zh": "随机 SVD 幂迭代 q", "en": "rSVD power iterations q"},
    "oversample": {"zh": "草图/采样多取的列数", "en": "Extra sketch rows / sampled columns"},
    "seed": {"zh": "随机种子", "en": "Seed"},
    "n_seeds": {"zh": "种子数（误差带）", "en": "Seeds (error band)"},
    "norm": {"zh": "误差范数", "en": "Error norm"},
    "norm.fro": {"zh": "Frobenius", "en": "Frobenius"},
    "norm.spectral": {"zh": "谱范数（粗网格）", "en": "spectral (coarse grid)"},
    "stage": {"zh": "变换阶段", "en": "Stage"},
    "a11": {"zh": "M₁₁", "en": "M₁₁"},
    "a12": {"zh": "M₁₂", "en": "M₁₂"},
    "a21": {"zh": "M₂₁", "en": "M₂₁"},
    "a22": {"zh": "M₂₂", "en": "M₂₂"},
    "cr_source": {"zh": "乘积 XY", "en": "Product XY"},
    "cr_source.heavy_tailed": {"zh": "重尾列 X × 高斯 Y", "en": "heavy-tailed columns X × Gaussian Y"},
    "cr_source.linear_layer": {"zh": "线性层 XW（少数离群特征）", "en": "linear layer XW (a few outlier features)"},
    "cr_source.image_gram": {"zh": "图像 Gram：G·Gᵀ", "en": "image Gram G·Gᵀ"},
    "cr_scheme": {"zh": "采样分布", "en": "Sampling distribution"},
    "cr_scheme.optimal": {"zh": "最优 p ∝ ‖x‖‖y‖", "en": "optimal p ∝ ‖x‖‖y‖"},
    "cr_scheme.x_norm2": {"zh": "p ∝ ‖x‖²", "en": "p ∝ ‖x‖²"},
    "cr_scheme.uniform": {"zh": "均匀", "en": "uniform"},
    "replacement": {"zh": "有放回采样", "en": "Draw with replacement"},
    "upload_help": {"zh": "上传自己的矩阵：PNG/JPEG 图像（转灰度）、CSV 或 NPY（二维数值，≤ 4096×4096，≤ 64 MiB）。",
                    "en": "Your own matrix: a PNG/JPEG image (made grey), a CSV or an NPY file (2-D numbers, "
                          "≤ 4096×4096, ≤ 64 MiB)."},
    "upload_none": {"zh": "先上传一个文件，再选“上传的矩阵”。", "en": "Upload a file first, then choose “uploaded matrix”."},
    "no_methods": {"zh": "至少选一个方法。", "en": "Choose at least one method."},
    # axes, legends
    "axis_rank": {"zh": "秩 r", "en": "rank r"},
    "axis_error": {"zh": "相对误差 ‖M − M̂‖/‖M‖", "en": "relative error ‖M − M̂‖/‖M‖"},
    "axis_error2": {"zh": "‖CR − XY‖²/‖XY‖²", "en": "‖CR − XY‖²/‖XY‖²"},
    "axis_index": {"zh": "序号 i", "en": "index i"},
    "axis_singular": {"zh": "奇异值", "en": "singular value"},
    "axis_column": {"zh": "列 j", "en": "column j"},
    "axis_inner": {"zh": "内维下标 i", "en": "inner index i"},
    "axis_probability": {"zh": "概率", "en": "probability"},
    "axis_step": {"zh": "迭代步", "en": "step"},
    "axis_distance": {"zh": "距离（Frobenius）", "en": "distance (Frobenius)"},
    "bound.eym": {"zh": "EYM 最优", "en": "EYM optimum"},
    "bound.volume": {"zh": "√(r+1)·EYM（体积采样）", "en": "√(r+1)·EYM (volume sampling)"},
    "bound.hmt": {"zh": "HMT 期望上界（未截断）", "en": "HMT expectation bound (untruncated)"},
    "bound.cgmr": {"zh": "ID 存在性界 √(1+r(m−r))·σᵣ₊₁", "en": "ID existence bound √(1+r(m−r))·σᵣ₊₁"},
    "median_over": {"zh": "{label}（{n} 个种子的中位数）", "en": "{label} (median of {n} seeds)"},
    "leverage_label": {"zh": "杠杆分数/k", "en": "leverage/k"},
    "norm_label": {"zh": "‖mⱼ‖²/‖M‖²", "en": "‖mⱼ‖²/‖M‖²"},
    "deim_label": {"zh": "DEIM 选的列", "en": "DEIM's columns"},
    "closed_form": {"zh": "闭式（线性于 ε）", "en": "closed form (linear in ε)"},
    "descent.zero_to_pinv": {"zh": "从 B₀ = 0：到 A†M", "en": "from B₀ = 0: to A†M"},
    "descent.random_to_pinv": {"zh": "从随机 B₀：到 A†M", "en": "from random B₀: to A†M"},
    "descent.random_to_limit": {"zh": "从随机 B₀：到 A†M + (I − A†A)B₀", "en": "from random B₀: to A†M + (I − A†A)B₀"},
    "cr_expected": {"zh": "期望（{scheme}）", "en": "expected ({scheme})"},
    "cr_sampled": {"zh": "抽样（{kind}，中位数与范围）", "en": "sampled ({kind}, median and range)"},
    "with": {"zh": "有放回", "en": "with replacement"},
    "without": {"zh": "无放回", "en": "without replacement"},
    "cr_top": {"zh": "取 ‖x‖‖y‖ 最大的 r 个", "en": "top r by ‖x‖‖y‖"},
    "stage_names": {"zh": "单位圆|Vᵀ 之后|Σ 之后|U 之后 = M", "en": "unit circle|after Vᵀ|after Σ|after U = M"},
    # view titles
    "view_error": {"zh": "误差随秩变化（{norm}范数；EYM 为下界）", "en": "Error vs rank ({norm} norm; EYM is the floor)"},
    "view_original": {"zh": "原矩阵 {n}×{m}，橙色为所选列/行", "en": "Original {n}×{m}, picks in orange"},
    "view_approx": {"zh": "{method}：误差 {error:.3g}（{ratio:.2f}×EYM）{extra}",
                    "en": "{method}: error {error:.3g} ({ratio:.2f}×EYM){extra}"},
    "view_residual": {"zh": "残差 M − M̂", "en": "Residual M − M̂"},
    "extra_z": {"zh": " max|Z| {value:.3g}", "en": " max|Z| {value:.3g}"},
    "extra_cond": {"zh": " 条件数 {value:.3g}", "en": " cond {value:.3g}"},
    "view_spectrum": {"zh": "σᵢ 与 CPQR 的 |Rₖₖ|", "en": "σᵢ and CPQR's |Rₖₖ|"},
    "view_probabilities": {"zh": "列的采样概率（k = {k}）", "en": "Column probabilities (k = {k})"},
    "view_spread": {"zh": "r = {r} 时的误差（点：种子）", "en": "Error at r = {r} (dots: seeds)"},
    "view_eps": {"zh": "(AᵀA + εI)⁻¹Aᵀ 与 A† 的差：先线性下降，再被舍入误差抬起",
                 "en": "(AᵀA + εI)⁻¹Aᵀ minus A†: linear in ε until rounding takes over"},
    "view_descent": {"zh": "梯度下降求 min‖AB − M‖：从零出发收敛到 A†M", "en": "Gradient descent on ‖AB − M‖: from zero it reaches A†M"},
    "view_geometry": {"zh": "{stage}：σ₁ = {s1:.4f}，σ₂ = {s2:.4f}", "en": "{stage}: σ₁ = {s1:.4f}, σ₂ = {s2:.4f}"},
    "view_weights": {"zh": "wⱼ：随机 A（柱）{random:.4g}，最优（点）{optimal:.4g}",
                     "en": "wⱼ: random A (bars) {random:.4g}, optimum (dots) {optimal:.4g}"},
    "view_cr": {"zh": "CR 近似 XY 的相对平方误差（水平线：零矩阵；虚竖线：盈亏平衡 r = {break_even:.2f}）",
                "en": "CR approximation of XY, relative squared error (level line: zero matrix; dotted: break-even r = {break_even:.2f})"},
    "view_cr_draw": {"zh": "一次抽样：r = {r} 次抽到 {distinct} 个不同下标，相对平方误差 {error:.3g}",
                     "en": "One draw: r = {r} draws hit {distinct} distinct indices, relative squared error {error:.3g}"},
    # sections
    "lab_heading": {"zh": "各方法与最优（SVD）的差距", "en": "How far each method is from the optimum (SVD)"},
    "lab_note": {
        "zh": "所有视图共用秩 r。EYM（Eckart–Young–Mirsky）给出任何秩 r 近似的下界：Frobenius 范数下是 "
              "(Σ_{j>r}σⱼ²)^{1/2}，谱范数下是 σᵣ₊₁。ID 与 CUR 只能用原矩阵的列/行，所以离下界有一段距离；"
              "随机方法画的是多个种子的中位数与范围。**勘误（五）**：交叉 U = M[S₂,S₁]† 看似自然，但交叉子块病态时会灾难性地失败"
              "（china 图像 r = 20：相对误差 3.98，而 C†MR† 为 0.148）；**（五）** 杠杆分数若取 γ = rank，满列秩时全部为 1，"
              "应取秩 k（默认 k = r）。**（四）** CPQR 在 Kahan 矩阵上失效（n = 30：|R_nn| 比 σ_n 大 4.2×10³ 倍，max|Z| ≈ 2×10³），"
              "原文“|z| > 2 几乎不会出现”只对良性输入成立。",
        "en": "Every view shares the rank r. Eckart–Young–Mirsky (EYM) is the floor for any rank-r approximation: "
              "(Σ_{j>r}σⱼ²)^{1/2} in the Frobenius norm, σᵣ₊₁ in the spectral norm. ID and CUR may only use M's own "
              "columns/rows, so they sit above it; randomised methods show the median and range over seeds. "
              "**Post 5 erratum**: the 'natural' cross U = M[S₂,S₁]† fails badly when the intersection is "
              "ill-conditioned (China image, r = 20: relative error 3.98 against 0.148 for C†MR†); leverage scores "
              "with γ = rank are all 1 for a full-column-rank matrix: use rank k (default k = r). **Post 4**: CPQR "
              "fails on Kahan's matrix (n = 30: |R_nn| is 4.2×10³ times σ_n, max|Z| ≈ 2×10³), so the post's "
              "'|z| > 2 almost never happens' holds only for benign inputs."},
    "detail_heading": {"zh": "近似、谱与采样", "en": "Approximation, spectrum and sampling"},
    "detail_note": {
        "zh": "上排：原矩阵（橙色条为所选方法取的列与行，重复的颜色更深）、它的秩 r 近似（标题：相对误差、与 EYM 最优之比、"
              "ID 的 max|Z| 或 CUR 交叉子块的条件数）与带符号的残差（红正蓝负）。下排：奇异值（阴影为秩 r 之后被舍弃的部分）"
              "与 CPQR 的 |R_kk|（贴着 σ 走说明它“揭示秩”）；每列的采样概率：秩 k 杠杆分数/k、列范数平方占比、均匀（虚线），"
              "▲ 为 DEIM 取的 r 列，底部短线为一次杠杆分数采样；各方法在 r 处的误差（随机方法每个种子一个点）。",
        "en": "Top: the matrix (orange stripes: the columns and rows the focused method picked, darker where "
              "repeated), its rank-r approximation (title: relative error, ratio to the EYM optimum, max|Z| of an "
              "ID or the condition number of a CUR's intersection) and the signed residual (red +, blue −). Bottom: "
              "the singular values (shaded: discarded beyond r) with CPQR's |R_kk| (rank-revealing where it follows "
              "σ); each column's sampling probability: rank-k leverage/k, share of the squared column norm, uniform "
              "(dotted), ▲ the r columns DEIM picks, ticks one leverage draw; each method's error at r (one dot per "
              "seed for the randomised ones)."},
    "tab_lab": {"zh": "实验室", "en": "Lab"},
    "tab_pinv": {"zh": "（一）伪逆", "en": "(1) Pseudo-inverse"},
    "tab_svd": {"zh": "（二）SVD", "en": "(2) SVD"},
    "tab_cr": {"zh": "（三）CR", "en": "(3) CR"},
    "pinv_note": {
        "zh": "A = G₁G₂（8×2 乘 2×4，秩 2），种子取侧栏的“随机种子”。A† = lim_{ε→0⁺}(AᵀA + εI)⁻¹Aᵀ，差值的闭式为 "
              "V diag(−ε/(σᵢ(σᵢ² + ε)))Uᵀ，随 ε 线性减小；浮点数中 ε 太小时舍入误差接管（float64 约在 ε ≈ 1e−7，float32 约在 1e−3）。"
              "A 秩亏时 (AᵀA + εI)⁻¹ 本身发散（范数 1/ε），只有乘积有极限。梯度下降的迭代永远不离开 B₀ + range(Aᵀ)，"
              "所以从 0 出发收敛到最小范数解 A†M，从随机 B₀ 出发收敛到 A†M + (I − A†A)B₀。"
              "**勘误（一）**：(eq:p-inv-b) 的目标应为 ‖AB − I_m‖（原文 I_n）；Λ† 应到 κ_r 为止；"
              "“把非零特征值取倒数”在浮点中需要相对阈值，否则“零”特征值 ±1e−15 会给出 O(1)–O(1e3) 的误差。",
        "en": "A = G₁G₂ (8×2 times 2×4, rank 2), seeded by the sidebar's seed. A† = lim_{ε→0⁺}(AᵀA + εI)⁻¹Aᵀ; the gap "
              "is exactly V diag(−ε/(σᵢ(σᵢ² + ε)))Uᵀ, linear in ε, until rounding takes over (float64 near ε ≈ 1e−7, "
              "float32 near 1e−3). For a rank-deficient A, (AᵀA + εI)⁻¹ itself diverges (norm 1/ε): only the product "
              "has a limit. Gradient descent never leaves B₀ + range(Aᵀ): from 0 it reaches the least-norm solution "
              "A†M, from a random B₀ the point A†M + (I − A†A)B₀. **Post 1 errata**: (eq:p-inv-b)'s objective is "
              "‖AB − I_m‖ (the post writes I_n); Λ† runs to κ_r; 'invert the non-zero eigenvalues' needs a relative "
              "threshold in floating point, or the 'zero' eigenvalues ±1e−15 give O(1)–O(1e3) errors."},
    "svd_note": {
        "zh": "左图：Mx = U(Σ(Vᵀx))。Vᵀ 只旋转/反射单位圆，Σ 把它拉成半轴为 σ₁、σ₂ 的轴对齐椭圆，U 再旋转；面积 π|det M| = πσ₁σ₂。"
              "右图：EYM 的证明把问题化为对角的 Σ 后，误差为 Σⱼ wⱼσⱼ²，0 ≤ wⱼ ≤ 1、Σwⱼ ≥ n − r；把权重 0 放在最大的 r 个 σ 上最优。"
              "**勘误（二）**：LoRA-GA 型目标 ‖AAᵀM + MBᵀB − M‖² 的最小值 Σ_{j>2r}σⱼ² 确实可以取到（A = U[:, :r]，B = V[:, r:2r]ᵀ），"
              "原文只说明了秩 ≤ 2r；用 eig(MᵀM) 求 SVD 在理论上正确，但会毁掉小奇异值与 U 的正交性。",
        "en": "Left: Mx = U(Σ(Vᵀx)). Vᵀ only rotates/reflects the unit circle, Σ stretches it into the axis-aligned "
              "ellipse with semi-axes σ₁, σ₂, U turns it; area π|det M| = πσ₁σ₂. Right: after EYM's proof reduces to "
              "a diagonal Σ, the error is Σⱼ wⱼσⱼ² with 0 ≤ wⱼ ≤ 1 and Σwⱼ ≥ n − r: least with weight 0 on the r "
              "largest σ. **Post 2 errata**: the LoRA-GA-type objective ‖AAᵀM + MBᵀB − M‖² does attain Σ_{j>2r}σⱼ² "
              "(A = U[:, :r], B = V[:, r:2r]ᵀ); the post only shows rank ≤ 2r. SVD via eig(MᵀM) is right in theory "
              "but destroys small σ and U's orthogonality."},
    "cr_note": {
        "zh": "CR 用 r 个“列×行”外积近似 XY。按 p 有放回抽 r 次、每次除以 r·pᵢ 时，E‖CR − XY‖² = (1/r)[Σwᵢ²/pᵢ − ‖XY‖²]，"
              "wᵢ = ‖xᵢ‖‖yᵢ‖；最优 pᵢ ∝ wᵢ。**勘误（三）**：原文写出的方差是一次抽样的，r 次抽样要除以 r；小 r 时可能比零矩阵还差，"
              "盈亏平衡在 r = ((Σw)² − ‖XY‖²)/‖XY‖²。原文的 ⊗ 指 Hadamard 积。原文的贪心删除忽略了已删掉的部分，"
              "考虑残差的版本更常取到最优。无放回时用 Des Raj 的无偏估计（没有闭式，只画抽样）。",
        "en": "CR approximates XY by r column×row outer products. Drawing r times by p with replacement and dividing "
              "each by r·pᵢ gives E‖CR − XY‖² = (1/r)[Σwᵢ²/pᵢ − ‖XY‖²] with wᵢ = ‖xᵢ‖‖yᵢ‖; pᵢ ∝ wᵢ is optimal. "
              "**Post 3 errata**: the post's variance is for one draw; r draws divide it by r. For small r the "
              "estimate can be worse than the zero matrix; it breaks even at r = ((Σw)² − ‖XY‖²)/‖XY‖². The post's ⊗ "
              "is the Hadamard product. Its greedy removal ignores what was already removed; a residual-aware "
              "greedy is optimal far more often. Without replacement the lab uses Des Raj's unbiased estimator "
              "(no closed form: sampled only)."},
    "run_spread": {"zh": "计算误差带", "en": "Compute the error band"},
    # each view's name in the export menu and `kexue-viz list` (the frame's export_view.<view key>)
    "export_view.error": {"zh": "误差随秩变化", "en": "Error vs rank"},
    "export_view.original": {"zh": "原矩阵", "en": "Original matrix"},
    "export_view.approximation": {"zh": "所选方法的近似", "en": "The chosen method's approximation"},
    "export_view.residual": {"zh": "残差 M − M̂", "en": "Residual M − M̂"},
    "export_view.spectrum": {"zh": "σᵢ 与 CPQR 的 |Rₖₖ|", "en": "σᵢ and CPQR's |Rₖₖ|"},
    "export_view.probabilities": {"zh": "列的采样概率", "en": "Column probabilities"},
    "export_view.spread": {"zh": "各种子的误差", "en": "Error over seeds"},
    "export_view.eps": {"zh": "(AᵀA + εI)⁻¹Aᵀ 与 A† 的差随 ε", "en": "(AᵀA + εI)⁻¹Aᵀ minus A† against ε"},
    "export_view.descent": {"zh": "梯度下降收敛到 A†M", "en": "Gradient descent reaches A†M"},
    "export_view.geometry": {"zh": "2×2 矩阵的 SVD 几何", "en": "SVD geometry of the 2×2 matrix"},
    "export_view.weights": {"zh": "权重 wⱼ：随机与最优", "en": "Weights wⱼ: random and optimal"},
    "export_view.cr": {"zh": "CR 近似的误差随 r", "en": "CR approximation error against r"},
    "export_view.cr_draw": {"zh": "CR 的一次抽样", "en": "One CR draw"},
})

UPLOAD_TEXT = TextTable({
    # {what}: "image", "CSV table", ".npy array" or "file" (the English messages name the file kind)
    "not_2d": {"zh": "上传的数据是 {dims} 维的；请上传二维矩阵。", "en": "The {what} is {dims}-D; upload a 2-D matrix."},
    "too_small": {"zh": "上传的矩阵是 {n}×{m}；矩阵至少需要 2 行 2 列。",
                  "en": "The {what} is {n}×{m}; a matrix needs at least 2 rows and 2 columns."},
    "too_many_cells": {"zh": "上传的矩阵是 {n}×{m}；上限为 {limit}×{limit}。",
                       "en": "The {what} is {n}×{m}; the limit is {limit}×{limit}."},
    "not_image": {"zh": "文件无法作为 PNG 或 JPEG 图像读取。", "en": "The file could not be read as a PNG or JPEG image."},
    "image_damaged": {"zh": "图像数据不完整或已损坏。", "en": "The image data is truncated or damaged."},
    "csv_not_utf8": {"zh": "CSV 文件不是 UTF-8 文本。", "en": "The CSV file is not UTF-8 text."},
    "csv_empty": {"zh": "CSV 文件没有任何数据行。", "en": "The CSV file holds no rows."},
    "csv_not_numbers": {"zh": "CSV 文件只能包含以逗号分隔的数字，每行个数相同，且没有表头。",
                        "en": "The CSV file must hold numbers only, separated by commas, with the same count on "
                              "every row and no header."},
    "npy_unreadable": {"zh": "文件不是可读的 .npy 数组（NumPy 格式 1.0 或 2.0）。",
                       "en": "The file is not a readable .npy array (NumPy format 1.0 or 2.0)."},
    "npy_objects": {"zh": ".npy 文件保存的是 Python 对象（pickle 数据），出于安全从不加载。",
                    "en": "The .npy file holds Python objects (pickled data), which are never loaded."},
    "npy_dtype": {"zh": ".npy 文件的数值类型是 {dtype}；请上传实数。", "en": "The .npy file holds {dtype} values; upload real numbers."},
    "npy_damaged": {"zh": ".npy 文件不完整或已损坏。", "en": "The .npy file is truncated or damaged."},
    "bad_extension": {"zh": "无法读取“{name}”：请上传 .png、.jpg、.jpeg、.csv 或 .npy 文件。",
                      "en": "Cannot read '{name}': upload a .png, .jpg, .jpeg, .csv or .npy file."},
    "empty": {"zh": "文件“{name}”是空的。", "en": "The file '{name}' is empty."},
    "too_large": {"zh": "文件“{name}”有 {size:.1f} MiB；上限为 {limit:.0f} MiB。",
                  "en": "The file '{name}' has {size:.1f} MiB; the limit is {limit:.0f} MiB."},
    "not_finite": {"zh": "文件“{name}”含有 NaN 或无穷大的值。", "en": "The file '{name}' contains NaN or infinite values."},
})
"""Why an upload was refused (:class:`kexue_viz.lowrank.matrices.UploadError`)."""
