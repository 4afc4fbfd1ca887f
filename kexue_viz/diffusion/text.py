"""Reader-facing text of the diffusion-ODE dashboard and figures, in Chinese and English."""
from ..i18n import TextTable

TEXT = TextTable({
    "title": {"zh": "扩散ODE轨迹：点云的精确向量场", "en": "Diffusion ODE trajectories: exact fields of point clouds"},
    "post_12": {"zh": "生成扩散模型漫谈（十二）：“硬刚”扩散ODE", "en": "Diffusion models (12): the diffusion ODE head-on"},
    "post_13": {"zh": "（十三）：从万有引力到扩散模型", "en": "(13): from gravity to diffusion models"},
    "post_14": {"zh": "（十四）：构建ODE的一般步骤（上）", "en": "(14): building ODEs, general steps (1)"},
    "post_15": {"zh": "（十五）：构建ODE的一般步骤（中）", "en": "(15): building ODEs, general steps (2)"},
    # parameters
    "dataset": {"zh": "数据集", "en": "Data set"},
    "dataset.moons": {"zh": "双月（确定）", "en": "Two moons (deterministic)"},
    "dataset.ring8": {"zh": "圆环 8 点（半径 2）", "en": "Ring of 8 (radius 2)"},
    "dataset.eight_gaussians": {"zh": "8 个高斯（采样）", "en": "8 Gaussians (sampled)"},
    "dataset.checkerboard": {"zh": "棋盘格（采样）", "en": "Checkerboard (sampled)"},
    "dataset.spiral": {"zh": "螺旋线", "en": "Spiral"},
    "dataset.post13_four": {"zh": "（十三）四个引力源", "en": "Post 13: four sources"},
    "dataset.post15_1d": {"zh": "（十五）一维示例 {0.5, 0.5, 1.2, 1.7}", "en": "Post 15: 1-D {0.5, 0.5, 1.2, 1.7}"},
    "dataset.four_1d": {"zh": "一维 {−1, 0, 0.5, 2}", "en": "1-D {−1, 0, 0.5, 2}"},
    "dataset.custom": {"zh": "自定义（画布上点击/拖动，或下方输入）", "en": "Custom (drawn or typed below)"},
    "n_data": {"zh": "数据点数 N（采样类数据集）", "en": "Data points N (sized presets)"},
    "construction": {"zh": "构造", "en": "Construction"},
    "construction.ve": {"zh": "（十二）热传导/VE，σ=t", "en": "(12) heat equation / VE, σ=t"},
    "construction.ve_sq": {"zh": "（十二）热传导，σ²=t", "en": "(12) heat equation, σ²=t"},
    "construction.pfgm": {"zh": "（十三/十四）引力/PFGM（泊松核）", "en": "(13/14) PFGM gravity (Poisson kernel)"},
    "construction.psi_tanh": {"zh": "（十四）ψ=tanh(r/t)", "en": "(14) ψ = tanh(r/t)"},
    "construction.psi_exp": {"zh": "（十四）ψ=1−exp(−r/t)", "en": "(14) ψ = 1 − exp(−r/t)"},
    "construction.straight": {"zh": "（十五）直线轨迹", "en": "(15) straight line"},
    "construction.cosine": {"zh": "（十五）余弦/VP 轨迹", "en": "(15) cosine / VP path"},
    "construction.vp_linear": {"zh": "VP 线性 β（Song 等）", "en": "VP linear β (Song et al.)"},
    "prior": {"zh": "先验 p₁（线性轨迹）", "en": "Prior p₁ (linear paths)"},
    "prior.gaussian": {"zh": "标准正态", "en": "Standard normal"},
    "prior.uniform": {"zh": "均匀 [0,2]ᵈ（十五）", "en": "Uniform [0,2]ᵈ (post 15)"},
    "prior.poisson": {"zh": "柯西（多元 t，ν=1）", "en": "Cauchy (multivariate t, ν=1)"},
    "T": {"zh": "终止时刻 T（VE/PFGM/ψ；线性轨迹固定为 1）", "en": "End time T (VE/PFGM/ψ; linear paths use 1)"},
    "prior_mode": {"zh": "初始分布", "en": "Start distribution"},
    "prior_mode.exact": {"zh": "精确的 t = T 分布", "en": "Exact marginal at t = T"},
    "prior_mode.approximate": {"zh": "近似（不含数据，σ(T)·z）", "en": "Approximate (data-free σ(T)·z)"},
    "n_particles": {"zh": "粒子数", "en": "Particles"},
    "radius_clip": {"zh": "起点半径截断 ‖x(T) − αxᵢ‖ ≤ c·σ(T)（PFGM 重尾）", "en": "Start radius clip ‖x(T) − αxᵢ‖ ≤ c·σ(T) (PFGM heavy tail)"},
    **{f"radius_clip.{c}": {"zh": f"c = {c}", "en": f"c = {c}"} for c in (5, 10, 20, 50, 100, 200, 500, 1000)},
    "radius_clip.0": {"zh": "不截断", "en": "off"},
    "show_reference": {"zh": "主图叠加参考轨迹（虚线）", "en": "Overlay reference trajectories (dashed)"},
    "show_mean": {"zh": "主图显示 x̂₀ 箭头（后验均值）", "en": "Show x̂₀ arrows (posterior mean)"},
    "particle": {"zh": "权重条的粒子编号（或在主图上点击粒子）", "en": "Particle of the weight strip (or tap one in the main view)"},
    "run_sweep": {"zh": "计算所有求解器的精度–NFE 曲线（1–3 秒）", "en": "Compute accuracy vs NFE for every solver (1–3 s)"},
    "clipped": {"zh": "半径截断 c = {clip}：{clipped} / {total} 个起点被截断。", "en": "Radius clip c = {clip}: {clipped} / {total} starts clipped."},
    "clipped_expected": {"zh": "（泊松核的理论比例 P(‖z‖ > c) = {share:.3g}）", "en": "(the Poisson kernel's expected share P(‖z‖ > c) = {share:.3g})"},
    "solver": {"zh": "求解器", "en": "Solver"},
    "solver.euler": {"zh": "Euler", "en": "Euler"},
    "solver.heun": {"zh": "Heun（末步 Euler）", "en": "Heun (last step Euler)"},
    "solver.rk4": {"zh": "RK4", "en": "RK4"},
    "solver.dpmpp_2m": {"zh": "DPM-Solver++(2M)", "en": "DPM-Solver++(2M)"},
    "solver.dopri5": {"zh": "自适应 dopri5", "en": "Adaptive dopri5"},
    "n_steps": {"zh": "步数", "en": "Steps"},
    "grid": {"zh": "时间网格", "en": "Time grid"},
    "grid.uniform": {"zh": "t 均匀", "en": "uniform in t"},
    "grid.log": {"zh": "log σ 均匀", "en": "uniform in log σ"},
    "grid.karras": {"zh": "Karras（σ^(1/ρ) 均匀）", "en": "Karras (uniform in σ^(1/ρ))"},
    "t_min": {"zh": "tₘᵢₙ / T", "en": "tₘᵢₙ / T"},
    "rho": {"zh": "Karras 网格的 ρ", "en": "Karras grid ρ"},
    "rtol": {"zh": "自适应求解器的 rtol（= atol）", "en": "Adaptive solver rtol (= atol)"},
    "direction": {"zh": "方向", "en": "Direction"},
    "direction.generate": {"zh": "生成 T→0", "en": "Generate T→0"},
    "direction.encode": {"zh": "编码 0→T", "en": "Encode 0→T"},
    "t_view": {"zh": "观察时刻（log 刻度，0 = T，1 = tₘᵢₙ）", "en": "View time (log scale, 0 = T, 1 = tₘᵢₙ)"},
    "seed": {"zh": "随机种子", "en": "Random seed"},
    "show_field": {"zh": "显示向量场箭头", "en": "Show field arrows"},
    "show_density": {"zh": "主图叠加 log pₜ", "en": "Overlay log pₜ on the main plot"},
    "points": {"zh": "自定义数据点", "en": "Custom data points"},
    "typed_points": {"zh": "输入点（每行 “x, y” 或 “x”）", "en": "Type points (one “x, y” or “x” per line)"},
    "use_typed": {"zh": "使用输入的点", "en": "Use typed points"},
    # views
    "x1": {"zh": "x₁", "en": "x₁"}, "x2": {"zh": "x₂", "en": "x₂"}, "x": {"zh": "x", "en": "x"},
    "time": {"zh": "时间 t", "en": "time t"},
    "particles": {"zh": "粒子", "en": "particles"},
    "exact": {"zh": "精确解（CDF 不变量）", "en": "exact (CDF invariant)"},
    "view_plane": {"zh": "{construction} · NFE {nfe} · t = {t:.3g}", "en": "{construction} · NFE {nfe} · t = {t:.3g}"},
    "beyond_window": {"zh": "▲ 窗外 {count}", "en": "▲ {count} outside"},
    "view_tx": {"zh": "轨迹 x₁(t)（颜色 = 终点所属数据点）", "en": "Trajectories x₁(t) (colour = endpoint's data point)"},
    "view_line1d": {"zh": "{construction}：一维轨迹（虚线：精确解），t = {t:.3g}",
                    "en": "{construction}: 1-D trajectories (dashed: exact), t = {t:.3g}"},
    "view_density": {"zh": "边缘密度 log pₜ(x)，t = {t:.3g}", "en": "Marginal density log pₜ(x), t = {t:.3g}"},
    "view_density1d": {"zh": "边缘密度 pₜ(x) 与粒子直方图，t = {t:.3g}",
                       "en": "Marginal density pₜ(x) and particle histogram, t = {t:.3g}"},
    "view_cdf": {"zh": "CDF Fₜ(x) 沿轨迹守恒（点 = 粒子），t = {t:.3g}",
                 "en": "The CDF Fₜ(x) is conserved along trajectories (dots = particles), t = {t:.3g}"},
    "density": {"zh": "pₜ(x)", "en": "pₜ(x)"},
    "cdf": {"zh": "Fₜ(x)", "en": "Fₜ(x)"},
    "view_quality": {"zh": "终点质量与代价（参考：{reference}）", "en": "Endpoint quality vs cost (reference: {reference})"},
    "view_strip": {"zh": "粒子 #{particle} 的权重 wᵢ（黑 = 1）· max w > {level}：t ≤ {commit}",
                   "en": "Weights wᵢ of particle #{particle} (black = 1) · max w > {level}: t ≤ {commit}"},
    "never": {"zh": "从未", "en": "never"},
    "log10_t": {"zh": "log₁₀ t", "en": "log₁₀ t"},
    "data_index": {"zh": "数据点编号 i", "en": "data point i"},
    "t_aug": {"zh": "增广维 t", "en": "augmented t"},
    "view_half_plane": {"zh": "（十三）增广空间 (x, t)：F 的方向与场线，先验在 t = T = {T:g}",
                        "en": "Post 13: augmented (x, t), F and field lines; prior at t = T = {T:g}"},
    "view_half_plane_2d": {"zh": "（十三）增广空间 (x₁, t) 切片（x₂ = 均值）：F 的方向",
                           "en": "Post 13: augmented (x₁, t) slice at mean x₂: direction of F"},
    "gravity_heading": {"zh": "（十三）从万有引力出发：不增维的引力场", "en": "Post 13: the gravity field without augmentation"},
    "gravity_note": {"zh": "场线从远处的圆出发、终止于点源；按高斯定理，终止在每个源上的比例趋于它的质量份额（有限个点源不会“模式坍缩”）。远处多源场与质心处总质量的场一致，相对误差按 R⁻² 衰减（偶极项在质心处为零）。",
                     "en": "Field lines start on a far circle and end on the point sources; by Gauss's law the share ending on each source tends to its mass share (finite point sources do not collapse). Far away the sources' field matches their total mass at the centroid; the relative error decays like R⁻² (the dipole term vanishes about the centroid)."},
    "gravity_sources": {"zh": "引力源", "en": "Sources"},
    "gravity_sources.four": {"zh": "（十三）四个点源", "en": "Post 13: four sources"},
    "gravity_sources.ring": {"zh": "16 点圆环 + 中心点", "en": "Ring of 16 + a centre point"},
    "gravity_radius": {"zh": "比较圆的半径 R", "en": "Comparison radius R"},
    "view_gravity": {"zh": "场线 · 通量份额 {low:.3f}–{high:.3f}（质量 1/{n}）",
                     "en": "Field lines · flux shares {low:.3f}–{high:.3f} (mass 1/{n})"},
    "view_centroid": {"zh": "多源场 vs 质心场：R = {R:g} 处最大相对误差 {error:.2g}", "en": "Sources vs centroid field: max relative error {error:.2g} at R = {R:g}"},
    "radius_R": {"zh": "半径 R", "en": "radius R"},
    "centroid_error": {"zh": "最大相对误差", "en": "max relative error"},
    "measured": {"zh": "计算值", "en": "computed"},
    "slope_minus_2": {"zh": "斜率 −2", "en": "slope −2"},
    "reference.dop853": {"zh": "DOP853，rtol 1e-8", "en": "DOP853, rtol 1e-8"},
    "reference.cdf": {"zh": "精确 CDF 解", "en": "exact CDF route"},
    "reference.rk4": {"zh": "RK4，400 步", "en": "RK4, 400 steps"},
    "nfe": {"zh": "函数求值次数 NFE", "en": "function evaluations (NFE)"},
    "agreement": {"zh": "终点归属一致率", "en": "basin agreement"},
    "current": {"zh": "当前设置", "en": "current setting"},
    "view_curvature": {"zh": "参考轨迹的平均曲率 κ(t)（一维：(t, x) 曲线）",
                       "en": "Mean curvature κ(t) of the reference trajectories (1-D: the (t, x) curve)"},
    "curvature": {"zh": "平均曲率 κ", "en": "mean curvature κ"},
    "view_tortuosity": {"zh": "弯曲度 L/C（路径长/弦长）", "en": "Tortuosity L/C (path length / chord)"},
    "tortuosity": {"zh": "L/C", "en": "L/C"},
    "count": {"zh": "粒子数", "en": "particles"},
    "custom_count": {"zh": "自定义数据：{count} 个点", "en": "Custom data: {count} points"},
    "view_editor": {"zh": "自定义数据：点击添加，拖动移动", "en": "Custom data: tap to add, drag to move"},
    "status": {"zh": "冻结粒子（落在所有支撑之外，场为 0）：{outside} / {total}。{memo}",
               "en": "Frozen particles (outside every support, field 0): {outside} / {total}. {memo}"},
    "memo": {"zh": "精确的经验场会“记住”训练集：每条轨迹都终止于某个数据点，从精确的 t = T 分布出发时落在第 i 点的概率是 πᵢ。这是精确场的性质，不是程序错误。",
             "en": "The exact empirical field memorises: every trajectory ends on a data point, on point i with probability πᵢ when started from the exact marginal at t = T. A property of the exact field, not a bug."},
    # messages
    "too_costly": {"zh": "计算量过大（NFE × 粒子数 × 数据点数 = {cost:.2g} > {limit:.2g}）：请减少粒子、步数或数据点。",
                   "en": "Too much work (NFE × particles × data points = {cost:.2g} > {limit:.2g}): reduce particles, steps or data points."},
    "custom_empty": {"zh": "自定义数据为空：请在画布上点击添加至少一个点。",
                     "en": "The custom data set is empty: tap the canvas to add at least one point."},
    "typed_bad": {"zh": "第 {line} 行无法解析：“{text}”（需要 1 或 2 个数）", "en": "Line {line} cannot be read: “{text}” (need 1 or 2 numbers)"},
    "custom_too_many": {"zh": "自定义数据最多 {limit} 个点（这里有 {count} 个）：链接要能装下它们",
                        "en": "Custom data hold at most {limit} points ({count} given), so that a link can keep them"},
    "bad_link_points": {"zh": "链接中的点（points={value}）无法使用：{reason}",
                        "en": "The link's points (points={value}) cannot be used: {reason}"},
    "typed_mixed": {"zh": "所有点的维数必须相同（全为 1 维或全为 2 维）", "en": "All points need the same dimension (all 1-D or all 2-D)"},
    "note": {
        "zh": "**读图**：t = 0 是数据，t = T 是简单分布；生成沿 t 递减积分到 t_min，最后一步取 x ← x̂₀"
              "（在 σ = 0 处不求场）。所有构造共用一个机制：x̂₀ 是数据点的 softmax 加权平均，"
              "f = (σ̇/σ)x + (α̇ − ασ̇/σ)x̂₀。\n\n"
              "**视图**：权重条是所选粒子（在主图上点击）沿轨迹的后验权重 w_i(x_t, t)，橙线为它“认定”数据点的时刻"
              "（最大权重首次超过 0.9）；x̂₀ 箭头从粒子指向视图时刻的后验均值；虚线为参考解（DOP853 或一维精确解）。"
              "选 PFGM 时另有（十三）的增广 (x, t) 空间：数据在 t = 0，箭头为引力场 F(x, t) 的方向，"
              "一维数据的灰色虚线是精确场线（即 PFGM 轨迹）。PFGM 先验半径是重尾的（P(‖z‖ > k) ~ 1/k），"
              "“起点半径截断”按 PFGM 代码库的做法限制它，并报告被截断的比例与理论值。精度–NFE 曲线按按钮计算（1–3 秒）。\n\n"
              "**勘误与注解**：① （十四）“任意的 λ_t” 必须是常数，否则在 x₀ 处多出一个点源；"
              "② （十四）“各向同性解本质上等价” 只对单点格林函数成立，多点数据时核的形状改变轨迹（切换 PFGM/ψ/VE 可见）；"
              "③ （十三）模式坍缩论证是启发式的：有限个点源时高斯定理保证每个点都分到自己的通量；"
              "④ 泊松核常数 C = Γ((d+1)/2)/π^{(d+1)/2}，故 p_t = −2F_t；"
              "⑤ PFGM 训练扰动只在对 t 取边缘后才服从泊松核，z 与 t 并不独立；"
              "⑥ “σ_T ≫ 1” 应理解为远大于数据尺度（预设数据已归一化）；"
              "⑦ （十五）代码中列表形式的 text.latex.preamble 在新版 matplotlib 中报错。"
              "（十五）均匀先验：离散误差会把贴近吸引域边界的起点推出支撑并冻结（场为 0），粗网格时可见。",
        "en": "**Reading the figure**: t = 0 is data, t = T the simple distribution; generation integrates down to t_min, "
              "then takes x ← x̂₀ (the field is never evaluated at σ = 0). One mechanism serves every construction: "
              "x̂₀ is a softmax-weighted mean of the data, f = (σ̇/σ)x + (α̇ − ασ̇/σ)x̂₀.\n\n"
              "**Views**: the weight strip shows the posterior weights w_i(x_t, t) of the selected particle (tap one in "
              "the main view) along its trajectory; the orange line marks when it commits (largest weight first above 0.9). "
              "x̂₀ arrows point from each particle to its posterior mean at the view time; dashed: the reference "
              "(DOP853, or the exact 1-D route). For PFGM, post 13's augmented (x, t) space: data on t = 0, arrows = "
              "direction of the field F(x, t), grey dashed (1-D data) = exact field lines, i.e. PFGM trajectories. "
              "PFGM's prior radius is heavy-tailed (P(‖z‖ > k) ~ 1/k); the start radius clip bounds it as the PFGM repo "
              "does and reports the clipped share against the exact tail. Accuracy vs NFE for every solver: on the button "
              "(1–3 s).\n\n"
              "**Errata and notes**: (1) post 14's “arbitrary λ_t” must be constant, otherwise a point source appears at x₀; "
              "(2) post 14's “isotropic solutions are essentially equivalent” holds for one-point Green's functions only: "
              "with several data points the kernel shape changes the trajectories (switch PFGM/ψ/VE); "
              "(3) post 13's mode-collapse argument is heuristic: for finite point sources Gauss's law gives every point its flux share; "
              "(4) the Poisson kernel's constant is C = Γ((d+1)/2)/π^{(d+1)/2}, so p_t = −2F_t; "
              "(5) the PFGM training perturbation follows the Poisson kernel only marginally over t (z and t are dependent); "
              "(6) “σ_T ≫ 1” means ≫ the data scale (presets are normalised); "
              "(7) post 15's list-valued text.latex.preamble fails on current matplotlib. "
              "Post 15, uniform prior: discretisation can push a start near a basin boundary out of every support, "
              "where the field is 0 and it freezes; visible on coarse grids.",
    },
    # each view's name in the export menu and `kexue-viz list` (the frame's export_view.<view key>)
    "export_view.main": {"zh": "粒子轨迹（主视图）", "en": "Particle trajectories (main view)"},
    "export_view.density": {"zh": "边缘密度", "en": "Marginal density"},
    "export_view.tx": {"zh": "轨迹 x₁(t)", "en": "Trajectories x₁(t)"},
    "export_view.quality": {"zh": "终点质量与代价", "en": "Endpoint quality vs cost"},
    "export_view.strip": {"zh": "一个粒子的权重 wᵢ", "en": "One particle's weights wᵢ"},
    "export_view.curvature": {"zh": "参考轨迹的平均曲率 κ(t)", "en": "Mean curvature κ(t) of trajectories"},
    "export_view.tortuosity": {"zh": "弯曲度 L/C", "en": "Tortuosity L/C"},
    "export_view.half_plane": {"zh": "（十三）增广空间 (x, t)", "en": "Post 13: the augmented space (x, t)"},
    "export_view.gravity": {"zh": "（十三）场线与通量份额", "en": "Post 13: field lines and flux shares"},
    "export_view.centroid": {"zh": "（十三）多源场与质心场", "en": "Post 13: sources vs centroid field"},
})
