"""Reader-facing text of the Adam-ε vs batch-size dashboard and figures, in Chinese and English."""
from ..i18n import TextTable

TEXT = TextTable({
    "title": {"zh": "Adam 的 ε 与 Batch Size：最优学习率曲线", "en": "Adam's ε vs batch size: optimal learning-rate curves"},
    "post_10542": {"zh": "当Batch Size增大时，学习率该如何随之变化？", "en": "How should the LR change as batch size grows?"},
    "post_10563": {"zh": "Adam的epsilon如何影响学习率的Scaling Law？", "en": "How does Adam's ε affect the LR scaling law?"},
    "post_11280": {"zh": "重新思考学习率与Batch Size（二）：平均场", "en": "Rethinking LR and batch size (2): mean field"},
    "post_9473": {"zh": "Lion优化器", "en": "The Lion optimizer"},
    "post_9902": {"zh": "让炼丹更科学一些（一）", "en": "Making training more scientific (1)"},
    # parameters
    "preset": {"zh": "局部模型", "en": "Local model"},
    "preset.aligned_spike": {"zh": "对齐尖峰（同质，默认）", "en": "Aligned spike (homogeneous)"},
    "preset.quantile": {"zh": "分位数（异质梯度）", "en": "Quantile (heterogeneous gradients)"},
    "preset.diagonal": {"zh": "对角 Hessian", "en": "Diagonal Hessian"},
    "N": {"zh": "参数维数 N", "en": "Dimension N"},
    "c": {"zh": "Hessian 尖峰强度 c", "en": "Hessian spike strength c"},
    "kappa": {"zh": "噪声比 κ = σ/|g|", "en": "Noise ratio κ = σ/|g|"},
    "spread": {"zh": "梯度幅度的离散度（分位数模型）", "en": "Gradient-size spread (quantile model)"},
    "eps_rel": {"zh": "ε / rms(g)（可多选）", "en": "ε / rms(g) (several)"},
    "B_range": {"zh": "log₁₀ B 范围", "en": "log₁₀ B range"},
    "backends": {"zh": "矩的算法", "en": "Moment backends"},
    "backends.exact": {"zh": "精确（积分）", "en": "exact (quadrature)"},
    "backends.clip": {"zh": "clip 闭式", "en": "clip closed form"},
    "backends.erf_rational": {"zh": "erf 近似（10542/10563）", "en": "erf approx. (10542/10563)"},
    "backends.mean_field": {"zh": "平均场（11280）", "en": "mean field (11280)"},
    "path": {"zh": "近似的组合方式", "en": "How approximations combine"},
    "path.per_coordinate": {"zh": "逐坐标", "en": "per coordinate"},
    "path.collapsed": {"zh": "坍缩 β（原文）", "en": "collapsed β (posts)"},
    "kappa2_rule": {"zh": "κ² 的平均方式（10563）", "en": "κ² average (10563)"},
    "kappa2_rule.ratio_of_sums": {"zh": "和之比 Σσ²/Σ(g²+ε²)", "en": "ratio of sums Σσ²/Σ(g²+ε²)"},
    "kappa2_rule.arithmetic_mean": {"zh": "算术平均（不稳健）", "en": "arithmetic mean (fragile)"},
    "kappa2_rule.median": {"zh": "中位数", "en": "median"},
    "y_mode": {"zh": "纵轴", "en": "Vertical axis"},
    "y_mode.eta": {"zh": "η*", "en": "η*"},
    "y_mode.normalized": {"zh": "η*/η*(∞)", "en": "η*/η*(∞)"},
    "y_mode.per_eps": {"zh": "η*/ε", "en": "η*/ε"},
    "show_sgd": {"zh": "叠加 SGD", "en": "Overlay SGD"},
    "B_probe": {"zh": "探针 batch size B", "en": "Probed batch size B"},
    "probe_eps": {"zh": "矩图中的 ε / rms(g)", "en": "ε / rms(g) in the moment view"},
    "grad_rms": {"zh": "实际梯度的 rms（LLM 量级）", "en": "Real gradient rms (LLM scale)"},
    "eps_abs": {"zh": "实际 ε（torch 1e-8，LLaMA2 1e-5）", "en": "Real ε (torch 1e-8, LLaMA2 1e-5)"},
    "llm_units": {"zh": "换算：ε = {eps:g}、rms(g) = {rms:g} 时 ε/rms(g) = **{ratio:.3g}**（与上表的 ε/rms g 同一单位）。",
                  "en": "In LLM units: ε = {eps:g} with rms(g) = {rms:g} gives ε/rms(g) = **{ratio:.3g}** (the unit of the table)."},
    # views
    "sgd": {"zh": "SGD", "en": "SGD"},
    "peak": {"zh": "峰值（精确）", "en": "peak (exact)"},
    "view_eta": {"zh": "最优学习率 η*(B)：SoftSignSGD（ε 在根号内的 Adam，β₁=β₂=0）；颜色 = ε，线型 = 算法",
                 "en": "Optimal learning rate η*(B): SoftSignSGD (Adam with ε inside the root, β₁=β₂=0); colour = ε, style = backend"},
    "dL_rel": {"zh": "ΔL / ΔL(Bₘₐₓ)", "en": "ΔL / ΔL(Bₘₐₓ)"},
    "view_dL": {"zh": "最优一步的损失下降 ΔL(B)（总是单调）", "en": "Loss decrease ΔL(B) at η* (always monotone)"},
    "S_rel": {"zh": "S / Sₘᵢₙ（步数）", "en": "S / Sₘᵢₙ (steps)"},
    "E_rel": {"zh": "E / Eₘᵢₙ（样本数）", "en": "E / Eₘᵢₙ (examples)"},
    "view_SE": {"zh": "步数–样本数双曲线（点：各 ε 在 B={B:.3g}）", "en": "Steps vs examples (dots: each ε at B={B:.3g})"},
    "moment": {"zh": "矩", "en": "moment"},
    "view_moments": {"zh": "M1（S 形）与 M2（倒钟形），b = ε√B/σ = {b:.3g}", "en": "M1 (S-shaped), M2 (bell) at b = ε√B/σ = {b:.3g}"},
    "view_erf": {"zh": "erf 与它的两种近似（10563 图）", "en": "erf and its two approximations (10563 figure)"},
    "hover.eta_raw": {"zh": "η*", "en": "η*"},
    "hover.dL": {"zh": "ΔL", "en": "ΔL"},
    "hover.dL_rel": {"zh": "ΔL / ΔL(Bₘₐₓ)", "en": "ΔL / ΔL(Bₘₐₓ)"},
    "hover.beta": {"zh": "β", "en": "β"},
    "hover.eps": {"zh": "ε/rms g", "en": "ε/rms g"},
    "eta_axis.eta": {"zh": "η*", "en": "η*"},
    "eta_axis.normalized": {"zh": "η*/η*(∞)", "en": "η*/η*(∞)"},
    "eta_axis.per_eps": {"zh": "η*/ε", "en": "η*/ε"},
    # readout
    "table_title": {"zh": "读数（每个 ε）", "en": "Readout (per ε)"},
    "col_eps": {"zh": "ε/rms g", "en": "ε/rms g"},
    "col_eta_inf": {"zh": "η*(∞)", "en": "η*(∞)"},
    "col_peak_exact": {"zh": "Bₚₑₐₖ 精确", "en": "Bₚₑₐₖ exact"},
    "col_gain": {"zh": "ηₚₑₐₖ/η*(∞)", "en": "ηₚₑₐₖ/η*(∞)"},
    "col_peak_10563": {"zh": "Bₚₑₐₖ 10563", "en": "Bₚₑₐₖ 10563"},
    "col_peak_11280": {"zh": "Bₚₑₐₖ 11280", "en": "Bₚₑₐₖ 11280"},
    "col_BdL": {"zh": "ΔL 尺度 B 10563 / 11280", "en": "ΔL scale B 10563 / 11280"},
    "col_Q2D": {"zh": "Q > 2D", "en": "Q > 2D"},
    "col_C": {"zh": "大 B 系数 C", "en": "large-B coefficient C"},
    "none": {"zh": "无", "en": "none"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "scales": {
        "zh": ("SGD：ηₘₐₓ = {eta_max:.4g}，Bₙₒᵢₛₑ = tr(ΣH)/gᵀHg = {B_noise:.4g}，Bₛᵢₘₚₗₑ = trΣ/gᵀg = {B_simple:.4g}。"
               "SignSGD：D = tr H = {D:.4g}，sᵀHs − D = {S_off:.4g}（s = sign g），βₙₒᵢₛₑ = {beta:.4g}。"
               "浪涌消失的 ε/rms g：精确（C 变号）{eps_exact}，原文近似（Q = 2D）{eps_approx}。"),
        "en": ("SGD: ηₘₐₓ = {eta_max:.4g}, Bₙₒᵢₛₑ = tr(ΣH)/gᵀHg = {B_noise:.4g}, Bₛᵢₘₚₗₑ = trΣ/gᵀg = {B_simple:.4g}. "
               "SignSGD: D = tr H = {D:.4g}, sᵀHs − D = {S_off:.4g} (s = sign g), βₙₒᵢₛₑ = {beta:.4g}. "
               "ε/rms g above which the surge disappears: exact (C changes sign) {eps_exact}, posts' approximation "
               "(Q = 2D) {eps_approx}."),
    },
    "note": {
        "zh": ("**读图**：颜色区分 ε，线型区分矩的算法（实线 = 精确高斯积分）。三角形是精确曲线的峰（“浪涌”：B 增大时 η* 先升后降）。"
               "悬停显示 B、η*、ΔL 和 β = E[ũ]ᵀg/uᵀg（u = softsign(g, ε)：噪声让平均更新缩短多少；原文坍缩近似取 β = 1/√(1+K/B)）；"
               "点击主图把探针设到该 B。"
               "原文里的 “B_noise” 有三个含义，这里分开命名：SGD 的 B_noise_sgd = tr(ΣH)/gᵀHg，η* 的峰值位置 B_peak，"
               "以及 ΔL = ΔL_max/(1+B_dL/B) 的尺度 B_dL。**勘误与说明**：10542 式(26) 的小 B 极限应为 Σ|g_i|/(κΣH_ii)·√(2B/π)"
               "（原文分子写成 Σσ_i，差一个因子 κ）；κ² 若取 σ_i²/g_i² 的算术平均，会被最小的 |g_i| 主导（分位数模型里 B_peak 偏 160 倍），"
               "这里默认用和之比；10563 的大 ε 极限中的 π/2 来自 M2 的近似，精确极限是以真实对角 Σ 为噪声的 SGD；"
               "10563 的条件 Q−D>0 只是必要条件，β∈(0,1) 内出现峰值需要 Q>2D；用精确矩时浪涌在 ε 远大于近似判据时仍然存在，"
               "对角 H 也有约 2% 的小凸起。真实 Adam 的 ε 在根号外（g/(|g|+ε)），不等于这里分析的 softsign（ε² 在根号内）。"),
        "en": ("**Reading the figure**: colour = ε, line style = moment backend (solid = exact Gaussian quadrature). Triangles mark "
               "the exact curves' peaks (the \"surge\": η* rises, then falls as B grows). Hover shows B, η*, ΔL and "
               "β = E[ũ]ᵀg/uᵀg (u = softsign(g, ε): how much noise shortens the mean update; the posts' collapsed "
               "approximation sets β = 1/√(1+K/B)); a click on the main plot probes that B. The posts' \"B_noise\" has three "
               "meanings, named apart here: SGD's B_noise_sgd = tr(ΣH)/gᵀHg, the peak position B_peak, and the scale B_dL of "
               "ΔL = ΔL_max/(1+B_dL/B). **Errata**: 10542 (26)'s small-B limit is Σ|g_i|/(κΣH_ii)·√(2B/π) (the post prints "
               "Σσ_i, off by a factor κ); κ² as the arithmetic mean of σ_i²/g_i² is dominated by the smallest |g_i| (a 160× "
               "error in B_peak on the quantile model), so the ratio of sums is the default; the π/2 in 10563's large-ε limit "
               "comes from the M2 approximation — the exact limit is SGD with the true diagonal Σ; 10563's condition Q−D>0 is "
               "only necessary, a peak inside β∈(0,1) needs Q>2D; with exact moments the surge persists to much larger ε than "
               "the approximate criterion says, and a diagonal H shows a ~2% bump. Real Adam puts ε outside the root "
               "(g/(|g|+ε)), which is not the softsign analysed here (ε² inside the root)."),
    },
    # each view's name in the export menu and `kexue-viz list` (the frame's export_view.<view key>)
    "export_view.eta": {"zh": "最优学习率 η*(B)", "en": "Optimal learning rate η*(B)"},
    "export_view.dL": {"zh": "损失下降 ΔL(B)", "en": "Loss decrease ΔL(B)"},
    "export_view.SE": {"zh": "步数–样本数双曲线", "en": "Steps vs examples"},
    "export_view.moments": {"zh": "矩 M1 与 M2", "en": "Moments M1 and M2"},
    "export_view.erf": {"zh": "erf 与它的两种近似", "en": "erf and its two approximations"},
})
