"""Reader-facing text of the attention-scale dashboard and figures, in Chinese and English.

The notes are Markdown: the asterisk of α* and S* is escaped (``α\\*``), ``**bold**`` is not."""
from ..i18n import TextTable

TEXT = TextTable({
    "title": {"zh": "Attention 的 Scale：梯度最大化、熵不变性、集中度与 RoPE",
              "en": "Attention scale: gradient maximisation, entropy invariance, concentration and RoPE"},
    "post_9812": {"zh": "从梯度最大化看Attention的Scale操作", "en": "Attention scale from gradient maximisation"},
    "post_8823": {"zh": "从熵不变性看Attention的Scale操作", "en": "Attention scale from entropy invariance"},
    "post_9034": {"zh": "熵不变性Softmax的一个快速推导", "en": "A quick derivation of entropy-invariant softmax"},
    "post_9889": {"zh": "注意力机制真的可以“集中注意力”吗？", "en": "Can attention really concentrate?"},
    "post_9595": {"zh": "如何度量数据的稀疏程度？", "en": "How to measure sparsity?"},
    "post_9403": {"zh": "Transformer升级之路：6、旋转位置编码的完备性分析", "en": "Transformer upgrades 6: completeness of RoPE"},
    # parameters
    "model": {"zh": "分数模型", "en": "Score model"},
    "model.normal": {"zh": "正态 s~N(0,1)", "en": "normal s~N(0,1)"},
    "model.cosine": {"zh": "余弦 s=cos(q,k)", "en": "cosine s=cos(q,k)"},
    "d": {"zh": "维度 d（余弦模型与 λ 单位）", "en": "Dimension d (cosine model, λ units)"},
    "log2_n": {"zh": "log₂ n（key 的个数）", "en": "log₂ n (number of keys)"},
    "alpha": {"zh": "Scale α（乘在分数上）", "en": "Scale α (multiplies the scores)"},
    "unit": {"zh": "横轴单位", "en": "Scale unit on the x axis"},
    "unit.alpha": {"zh": "α（分数的倍数）", "en": "α (score multiplier)"},
    "unit.lambda": {"zh": "λ（原始 q·k 的倍数）", "en": "λ (multiplier of the raw q·k)"},
    "unit.temperature": {"zh": "温度 1/α", "en": "temperature 1/α"},
    "measure": {"zh": "梯度大小的度量", "en": "Gradient-size measure"},
    "measure.l1": {"zh": "½‖J‖₁ 逐元素（原文）", "en": "½‖J‖₁ entrywise (post)"},
    "measure.frobenius": {"zh": "Frobenius 范数 ‖J‖", "en": "Frobenius norm ‖J‖"},
    "measure.operator1": {"zh": "算子 1-范数", "en": "operator 1-norm"},
    "samples": {"zh": "蒙特卡洛样本数 S（0 = 自动）", "en": "Monte Carlo samples S (0 = auto)"},
    "seed": {"zh": "随机种子", "en": "Random seed"},
    "show": {"zh": "显示曲线", "en": "Curves shown"},
    "show.approx": {"zh": "均场近似", "en": "mean-field approximation"},
    "show.exact": {"zh": "精确期望", "en": "exact mean"},
    "show.mc_mean": {"zh": "MC 均值 ±2SE", "en": "MC mean ±2SE"},
    "show.mc_median": {"zh": "MC 中位数与 10–90%", "en": "MC median and 10–90 %"},
    "show.guides": {"zh": "冻结参考线", "en": "freezing guides"},
    "laws": {"zh": "Scale 随长度的规律（视图 C/D）", "en": "Length scale laws (views C/D)"},
    "laws.const": {"zh": "常数（Attention-O）", "en": "constant (Attention-O)"},
    "laws.log": {"zh": "∝ ln n（Attention-E）", "en": "∝ ln n (Attention-E)"},
    "laws.sqrt_log": {"zh": "∝ √ln n", "en": "∝ √ln n"},
    "laws.grad_max": {"zh": "梯度最大化 α*(n)", "en": "gradient-max α*(n)"},
    "laws.qwen": {"zh": "Qwen logn：max(1, ln n / ln n0)", "en": "Qwen logn: max(1, ln n / ln n0)"},
    "n0": {"zh": "校准长度 n₀", "en": "Calibration length n₀"},
    "mc_points": {"zh": "计算 MC 中位数最优点", "en": "Compute MC median optima"},
    # views
    "alpha_axis": {"zh": "α", "en": "α"},
    "lambda_axis": {"zh": "λ = α/√d（正态）或 α/d（余弦）", "en": "λ = α/√d (normal) or α/d (cosine)"},
    "temperature_axis": {"zh": "温度 1/α", "en": "temperature 1/α"},
    "gradient": {"zh": "梯度大小", "en": "gradient size"},
    "view_objective": {"zh": "B. n={n}：近似 α*={star:.4g}，MC 中位数最优 α≈{median:.3g}",
                       "en": "B. n={n}: approximate α*={star:.4g}, MC median argmax α≈{median:.3g}"},
    "view_objective_title": {"zh": "B. 梯度大小（{measure}）与 Scale：均场近似、精确期望、蒙特卡洛",
                             "en": "B. Gradient size ({measure}) vs scale: mean field, exact mean, Monte Carlo"},
    "view_objective_title_mc": {"zh": "B. 梯度大小（{measure}）与 Scale：只有蒙特卡洛（均场、精确期望、L(n) 只对 ½‖J‖₁）",
                                "en": "B. Gradient size ({measure}) vs scale: Monte Carlo only (mean field, exact, L(n): ½‖J‖₁ only)"},
    "approx": {"zh": "均场近似 α(1−r(α)/n)", "en": "mean field α(1−r(α)/n)"},
    "exact": {"zh": "精确期望", "en": "exact mean"},
    "mc_mean": {"zh": "MC 均值 ±2SE", "en": "MC mean ±2SE"},
    "mc_median": {"zh": "MC 中位数（10–90%）", "en": "MC median (10–90 %)"},
    "limit": {"zh": "α→∞ 极限 L(n)", "en": "α→∞ limit L(n)"},
    "star": {"zh": "近似最优 α*", "en": "approximate α*"},
    "median_argmax": {"zh": "中位数最优", "en": "median argmax"},
    "freeze_half": {"zh": "√(ln n/2)：近似失效", "en": "√(ln n/2): approximation fails"},
    "freeze_full": {"zh": "√ln n：近似 Σp²>1", "en": "√ln n: approximate Σp²>1"},
    "current": {"zh": "当前 α", "en": "current α"},
    "view_draw": {"zh": "A. 一次抽样：Σp²={p2:.4g}，H={H:.4g}，H₂={H2:.4g}，S*₁,₂={S:.4g}，梯度大小={obj:.4g}",
                  "en": "A. One draw: Σp²={p2:.4g}, H={H:.4g}, H₂={H2:.4g}, S*₁,₂={S:.4g}, gradient size={obj:.4g}"},
    "view_draw_title": {"zh": "A. 一次抽样：排序后的注意力权重 p（前 64）", "en": "A. One draw: sorted weights p (top 64)"},
    "rank": {"zh": "排名", "en": "rank"},
    "probability": {"zh": "p", "en": "p"},
    "view_jacobian": {"zh": "A. J/α = diag p − ppᵀ（p 最大的 {k} 个 key，降序；对称对数色标）",
                      "en": "A. J/α = diag p − ppᵀ (top {k} keys by p; symmetric-log colours)"},
    "key_rank": {"zh": "按 p 的排名", "en": "rank by p"},
    "key_i": {"zh": "i", "en": "i"},
    "key_j": {"zh": "j", "en": "j"},
    "view_star": {"zh": "C. α* 与 n：{fit}", "en": "C. α* vs n: {fit}"},
    "n_axis": {"zh": "n", "en": "n"},
    "alpha_star_curve": {"zh": "近似最优 α*(n)", "en": "approximate α*(n)"},
    "post_fit": {"zh": "原文拟合 {text}", "en": "post's fit {text}"},
    "ls_fit": {"zh": "可见范围最小二乘 {text}", "en": "least squares over the range {text}"},
    "mc_points_label": {"zh": "MC 中位数最优", "en": "MC median argmax"},
    "n_eff": {"zh": "解码器：有效 n = L/H(L)（L = n，H(L) = 1 + ½ + … + 1/L）", "en": "decoder: effective n = L/H(L) (L = n, H(L) = 1 + ½ + … + 1/L)"},
    "no_law": {"zh": "请至少勾选一个 Scale 规律", "en": "tick at least one scale law"},
    "view_entropy": {"zh": "D. 不同 Scale 规律下的熵与 n（n₀={n0}）", "en": "D. Entropy vs n under the scale laws (n₀={n0})"},
    "entropy_caption": {"zh": "视图 D：实线加点为精确 E[H]，虚线为均场 ln n−G(α)，点线与色带为 MC 的 Rényi-2 熵 E[H₂]±2SE（H₂≤H）。",
                        "en": "View D: solid with dots, exact E[H]; dashed, mean field ln n−G(α); dotted with band, "
                              "Monte Carlo Rényi-2 entropy E[H₂]±2SE (H₂≤H)."},
    "entropy_axis": {"zh": "熵（nats）", "en": "entropy (nats)"},
    "readout_units": {"zh": "当前 α={alpha:.4g}；λ={lam:.4g}；温度 1/α={temp:.4g}",
                      "en": "current α={alpha:.4g}; λ={lam:.4g}; temperature 1/α={temp:.4g}"},
    "note": {"zh": (
        "**要点。** 原文的 α\\* 是**均场近似**目标 α(1−r(α)/n) 的最大值点（正态时有闭式 α\\*=√(W₀(√e·n/2)−½)）。"
        "**精确的期望目标没有内部极大值**：它随 α 单调上升到 L(n)（最大两个分数之差在 0 处的密度）。"
        "单次抽样的目标在 α→∞ 时趋于 0，所以**中位数**确实有最大值，但位置远大于近似的 α\\*（n=512 时约 6.7 对 2.0）。"
        "近似只在 α ≲ √(ln n/2) 可信；超过 √ln n 时近似的 Σp² 已大于 1，正是这一点制造了近似的峰。"
        "精确曲线与极限只对 ½‖J‖₁ 给出；其他度量只显示 MC。"),
        "en": (
        "**Key point.** The post's α\\* maximises the **mean-field approximation** α(1−r(α)/n) (for normal scores in "
        "closed form α\\*=√(W₀(√e·n/2)−½)). **The exact expected objective has no interior maximum**: it rises "
        "monotonically to L(n), the density at 0 of the gap between the two largest scores. Per draw the objective "
        "tends to 0 as α→∞, so the **median** does peak, but far above the approximate α\\* (about 6.7 vs 2.0 at n=512). "
        "The approximation is trustworthy only for α ≲ √(ln n/2); beyond √ln n its Σp² exceeds 1, and that is what "
        "creates its peak. Exact curves and the limit are for ½‖J‖₁; other measures show MC only.")},
    # concentration
    "tab_scale": {"zh": "缩放因子（9812/8823）", "en": "Scale (9812/8823)"},
    "tab_concentration": {"zh": "集中度（9889）", "en": "Concentration (9889)"},
    "tab_sparsity": {"zh": "稀疏度（9595）", "en": "Sparsity (9595)"},
    "tab_rope": {"zh": "RoPE（9403）", "en": "RoPE (9403)"},
    "beta": {"zh": "β（relu²、恒等曲线的偏置 q·μ）", "en": "β (bias q·μ for relu², identity)"},
    "decay_lambda": {"zh": "衰减 λ（线性 RNN）", "en": "decay λ (linear RNN)"},
    "linear_d": {"zh": "特征维数 d（一般线性注意力）", "en": "feature dimension d (general linear attention)"},
    "gamma_axis": {"zh": "γ = σ‖q‖", "en": "γ = σ‖q‖"},
    "sparsity_axis": {"zh": "S = E|a|/√E[a²]", "en": "S = E|a|/√E[a²]"},
    "view_gamma": {"zh": "E. n→∞ 时注意力的稀疏度 S 与 γ（β={beta:.2f}）", "en": "E. Sparsity S of attention as n→∞ vs γ (β={beta:.2f})"},
    "f_exp": {"zh": "exp（softmax）", "en": "exp (softmax)"},
    "f_relu2": {"zh": "relu²", "en": "relu²"},
    "f_identity": {"zh": "恒等（线性）", "en": "identity (linear)"},
    "view_decay": {"zh": "E. 线性衰减权重的稀疏度与 n（λ={lam:.3f}）", "en": "E. Sparsity of linear-decay weights vs n (λ={lam:.3f})"},
    "view_linear": {"zh": "E. 一般非负线性注意力：S 与 σ̃/μ̃（d={d}）", "en": "E. General non-negative linear attention: S vs σ̃/μ̃ (d={d})"},
    "ratio_axis": {"zh": "σ̃/μ̃", "en": "σ̃/μ̃"},
    "q_dense": {"zh": "q̃ 全相等（‖q̃‖₂/‖q̃‖₁=1/√d）", "en": "equal q̃ (‖q̃‖₂/‖q̃‖₁=1/√d)"},
    "q_onehot": {"zh": "q̃ one-hot（比值=1，最大）", "en": "one-hot q̃ (ratio 1, the maximum)"},
    "concentration_note": {"zh": (
        "exp 的 S=e^{−γ²/2} 随 γ→∞ 趋于 0，softmax 可以任意集中；relu² 只在 t=β/γ→−∞ 时才趋于 0（γ→∞ 时趋于 1/√6≈0.408）；"
        "恒等（线性）注意力的 S 关于 β 对称，下界 √(2/π)≈0.798。relu² 用稳定形式计算，原文的表达式在 t≲−8 时返回 NaN。"
        "勘误：原文 §一般线性 说 ‖q̃‖₂/‖q̃‖₁ 最大为 √d，实际它在 [1/√d, 1] 内，√d 是倒数的最大值。"),
        "en": (
        "For exp, S=e^{−γ²/2} → 0 as γ→∞: softmax can concentrate without limit; relu² tends to 0 only as t=β/γ→−∞ "
        "(to 1/√6≈0.408 as γ→∞); identity (linear) attention is even in β with lower bound √(2/π)≈0.798. relu² uses a "
        "stable form; the post's expression returns NaN for t≲−8. Erratum (§general linear): ‖q̃‖₂/‖q̃‖₁ lies in "
        "[1/√d, 1]; √d is the maximum of the reciprocal.")},
    # sparsity
    "view_scale_measures": {"zh": "F. 视图 A 那次抽样的 p=softmax(αs) 的稀疏度指标与 α（越大越不稀疏；one-hot 时 ≥1/n）",
                            "en": "F. Sparsity measures of p=softmax(αs) for view A's draw vs α (larger = less sparse; ≥1/n at one-hot)"},
    "view_measures": {"zh": "F. 当前 α 下 p 的指标", "en": "F. Measures of p at the current α"},
    "transform": {"zh": "性质演示：变换", "en": "Property demo: transform"},
    "view_renyi": {"zh": "F. 当前 α 下 p 的 Hₐ/ln n 与阶数 a", "en": "F. Hₐ/ln n of p at the current α vs order a"},
    "renyi_bound": {"zh": "上界 Hₐ = ln n", "en": "upper bound Hₐ = ln n"},
    "order_axis": {"zh": "阶数 a", "en": "order a"},
    "renyi_axis": {"zh": "Hₐ / ln n", "en": "Hₐ / ln n"},
    "original": {"zh": "原向量", "en": "original"},
    "transformed": {"zh": "变换后", "en": "transformed"},
    "measure_axis": {"zh": "指标", "en": "measure"},
    "value_axis": {"zh": "值", "en": "value"},
    "transform.D1": {"zh": "D1 劫富济贫", "en": "D1 Robin Hood"},
    "transform.D2": {"zh": "D2 整体缩放 ×3", "en": "D2 scaling ×3"},
    "transform.D3": {"zh": "D3 整体加 0.1·max", "en": "D3 add 0.1·max"},
    "transform.D4": {"zh": "D4 复制拼接", "en": "D4 cloning"},
    "transform.P1": {"zh": "P1 放大最大元素", "en": "P1 grow the largest entry"},
    "transform.P2": {"zh": "P2 拼接一个 0", "en": "P2 append a zero"},
    "sparsity_note": {"zh": (
        "向量是标签页 Scale 中视图 A 的注意力权重 p=softmax(αs)（同一次抽样、同一 α）。α=0 时 p 均匀，各 S\\* 为 1；α 增大时 p 趋于 one-hot，"
        "S\\*_q,p 降到下界 n^(1/p−1/q)。S\\*₁,₂=1/√(nΣp²)=e^(H₂/2)/√n 与视图 A 的读数一致。"
        "S\\*₁,ₚ 与 S\\*_q,p 同时满足 D1–D4、P1、P2；S₁,ₚ 不满足 D4；S₀ 的 D1 只取等号。S\\*₁,₂=cos(sign x, x)。"
        "勘误：原文 E|x|/√((E|x|)²+Var|x|)=1/(1+Var/E²) 少了平方根，应为 1/√(1+Var/E²)（Exp(1) 样本：0.707 对 0.5）。"),
        "en": (
        "The vector is view A's attention weights p=softmax(αs) (same draw, same α, from the Scale tab). At α=0 p is "
        "uniform and every S\\* is 1; as α grows p tends to one-hot and S\\*_q,p falls to its lower bound n^(1/p−1/q). "
        "S\\*₁,₂=1/√(nΣp²)=e^(H₂/2)/√n matches view A's readout. "
        "S\\*₁,ₚ and S\\*_q,p satisfy all of D1–D4, P1, P2; S₁,ₚ fails D4; S₀ satisfies D1 only with ≥. S\\*₁,₂=cos(sign x, x). "
        "Erratum: the post's E|x|/√((E|x|)²+Var|x|)=1/(1+Var/E²) lacks a square root; it is 1/√(1+Var/E²) "
        "(Exp(1) sample: 0.707 vs 0.5).")},
    # rope
    "rope_d": {"zh": "头维度 d", "en": "head dimension d"},
    "log10_base": {"zh": "log₁₀ 底数", "en": "log₁₀ base"},
    "r_max": {"zh": "最大相对距离 r", "en": "largest relative distance r"},
    "different_content": {"zh": "每个位置用不同的 q、k（常见误解）", "en": "different q, k at each position (common mistake)"},
    "view_decay_bound": {"zh": "G. 远程衰减：界 y(r)=(2/d)Σ|Sⱼ| 与 Σ2cos(rθᵢ)（来自 8265）",
                         "en": "G. Long-range decay: bound y(r)=(2/d)Σ|Sⱼ| and Σ2cos(rθᵢ) (from 8265)"},
    "r_axis": {"zh": "相对距离 r", "en": "relative distance r"},
    "bound": {"zh": "y(r)", "en": "y(r)"},
    "ones": {"zh": "Σ2cos(rθᵢ)/d·32.5", "en": "Σ2cos(rθᵢ)/d·32.5"},
    "view_positions": {"zh": "G. (Rₘq)ᵀ(Rₙk)：{what}", "en": "G. (Rₘq)ᵀ(Rₙk): {what}"},
    "same_content": {"zh": "同一对 q、k：只依赖 n−m（Toeplitz）", "en": "the same q, k: depends on n−m only (Toeplitz)"},
    "changing_content": {"zh": "各位置不同 q、k：看不出相对性", "en": "different q, k per position: no visible relativity"},
    "position_m": {"zh": "位置 m", "en": "position m"},
    "position_n": {"zh": "位置 n", "en": "position n"},
    "rope_note": {"zh": (
        "R_mᵀR_n=R_{{n−m}} 的一般解是 exp(nB)（B 反对称），经正交变换 P 化为分块 RoPE，P 可被 W_q、W_k 吸收（线性注意力不行）。"
        "勘误：det O=−1 时原文写 O=O₊I₋、Oⁿ=I₋ⁿexp(nB)，但 O₊ 与 I₋ 一般不交换（随机 8×8 例：‖O²−O₊²‖={gap:.2f}）；"
        "沿 O 的 −1 特征向量取反射即可修复（交换子 {fix:.1e}）。最下方的图：原文的分解从 n=1 起就错（误差为 1 的量级），修复后只剩舍入误差；"
        "而 Oⁿ 本身始终满足相对位置性质（det Oⁿ=(−1)ⁿ，奇数 n 时不可能等于任何 exp(nB)）。"),
        "en": (
        "The general solution of R_mᵀR_n=R_{{n−m}} is exp(nB) with B skew; an orthogonal P brings it to block RoPE, and "
        "self-attention absorbs P into W_q, W_k (linear attention cannot). Erratum: for det O=−1 the post writes O=O₊I₋ "
        "and Oⁿ=I₋ⁿexp(nB), but O₊ and I₋ do not commute in general (random 8×8: ‖O²−O₊²‖={gap:.2f}); reflecting "
        "along an eigenvector of O with eigenvalue −1 repairs it (commutator {fix:.1e}). The lower panel: the post's "
        "decomposition is off by order 1 from n=1, the repaired one only by rounding, and Oⁿ itself always has the "
        "relative-position property (det Oⁿ=(−1)ⁿ, so at odd n it equals no exp(nB)).")},
    "view_reflection": {"zh": "G. det O=−1（{d}×{d} 随机正交阵）：Oⁿ 的分解误差与 n",
                        "en": "G. det O=−1 (random {d}×{d} orthogonal O): errors of the decompositions of Oⁿ vs the power n"},
    "reflection_post": {"zh": "原文 ‖Oⁿ−I₋ⁿexp(nB)‖，O₊=OI₋", "en": "post ‖Oⁿ−I₋ⁿexp(nB)‖, O₊=OI₋"},
    "reflection_repaired": {"zh": "修复 ‖Oⁿ−Hᵤⁿexp(nB′)‖，u 为 −1 特征向量", "en": "repaired ‖Oⁿ−Hᵤⁿexp(nB′)‖, u: eigenvector of −1"},
    "reflection_relative": {"zh": "相对性 maxₘ‖(Oᵐ)ᵀOⁿ−Oⁿ⁻ᵐ‖", "en": "relative property maxₘ‖(Oᵐ)ᵀOⁿ−Oⁿ⁻ᵐ‖"},
    "power_axis": {"zh": "幂次 n", "en": "power n"},
    "error_axis": {"zh": "误差（Frobenius）", "en": "error (Frobenius)"},
    "mlm_table": {"zh": "8823 的 MLM 外推实验（训练长度 64，准确率 %）：", "en": "8823's MLM extrapolation (trained at n=64, accuracy %):"},
    # each view's name in the export menu and `kexue-viz list` (the frame's export_view.<view key>)
    "export_view.objective": {"zh": "B. 梯度大小与 Scale", "en": "B. Gradient size vs scale"},
    "export_view.draw": {"zh": "A. 一次抽样的注意力权重", "en": "A. One draw: sorted weights p"},
    "export_view.jacobian": {"zh": "A. 雅可比 J/α = diag p − ppᵀ", "en": "A. Jacobian J/α = diag p − ppᵀ"},
    "export_view.star": {"zh": "C. α* 与 n", "en": "C. α* vs n"},
    "export_view.entropy": {"zh": "D. 不同 Scale 规律下的熵与 n", "en": "D. Entropy vs n under the scale laws"},
    "export_view.gamma": {"zh": "E. n→∞ 时的稀疏度与 γ", "en": "E. Sparsity as n→∞ vs γ"},
    "export_view.decay": {"zh": "E. 线性衰减权重的稀疏度", "en": "E. Sparsity of linear-decay weights"},
    "export_view.linear": {"zh": "E. 非负线性注意力的稀疏度", "en": "E. Non-negative linear attention"},
    "export_view.scale_measures": {"zh": "F. 稀疏度指标与 α", "en": "F. Sparsity measures vs α"},
    "export_view.measures": {"zh": "F. 当前 α 下 p 的指标", "en": "F. Measures of p at the current α"},
    "export_view.renyi": {"zh": "F. Rényi 熵与阶数 a", "en": "F. Rényi entropies vs order a"},
    "export_view.rope_decay": {"zh": "G. RoPE 的远程衰减", "en": "G. RoPE long-range decay"},
    "export_view.rope_positions": {"zh": "G. 位置得分 (Rₘq)ᵀ(Rₙk)", "en": "G. Position scores (Rₘq)ᵀ(Rₙk)"},
    "export_view.reflection": {"zh": "G. det O=−1：Oⁿ 的分解误差", "en": "G. det O=−1: errors of decomposing Oⁿ"},
})
