"""Reader-facing text of the LoRA vs full fine-tuning dashboard and figures, in Chinese and English."""
from ..i18n import TextTable

TEXT = TextTable({
    "nothing_to_export": {"zh": "还没有可导出的曲线：请选择方法；在 digits 上先按“运行”按钮。",
                          "en": "Nothing to export yet: choose a method, and on digits press the run button first."},
    "title": {"zh": "LoRA 与全量微调：梯度视角、LoRA+、LoRA-GA、LoRA-Pro",
              "en": "LoRA vs full fine-tuning: gradient view, LoRA+, LoRA-GA, LoRA-Pro"},
    "post_9590": {"zh": "梯度视角下的LoRA：简介、分析、猜测及推广", "en": "LoRA from the gradient's point of view"},
    "post_10001": {"zh": "配置不同的学习率，LoRA还能再涨一点？", "en": "LoRA+: different learning rates for A and B"},
    "post_10226": {"zh": "对齐全参数微调！这是我看过最精彩的LoRA改进（一）", "en": "LoRA-GA: aligning with full fine-tuning (1)"},
    "post_10266": {"zh": "对齐全参数微调！这是我看过最精彩的LoRA改进（二）", "en": "LoRA-Pro: aligning with full fine-tuning (2)"},
    # parameters
    "problem": {"zh": "问题：线性师生问题实时计算，digits 镜像任务按按钮计算",
                "en": "Problem: the linear teacher–student problem answers live, the digits mirror task on a button"},
    "problem.linear": {"zh": "线性师生（实时）", "en": "linear (live)"},
    "problem.digits": {"zh": "digits 镜像（按钮）", "en": "digits mirror (button)"},
    "n": {"zh": "输入维数 n", "en": "Input size n"},
    "m": {"zh": "输出维数 m（≤ n）", "en": "Output size m (≤ n)"},
    "N": {"zh": "样本数 N", "en": "Samples N"},
    "exponent": {"zh": "目标 ΔW* 的谱指数 a（σₖ = k⁻ᵃ）", "en": "Spectrum exponent a of the target ΔW* (σₖ = k⁻ᵃ)"},
    "noise": {"zh": "标签噪声", "en": "Label noise"},
    "methods": {"zh": "方法", "en": "Methods"},
    "methods.full": {"zh": "全量微调", "en": "full fine-tuning"},
    "methods.lora": {"zh": "LoRA", "en": "LoRA"},
    "methods.lora_plus": {"zh": "LoRA+", "en": "LoRA+"},
    "methods.lora_ga": {"zh": "LoRA-GA", "en": "LoRA-GA"},
    "methods.lora_pro": {"zh": "LoRA-Pro", "en": "LoRA-Pro"},
    "methods.scaled_gd": {"zh": "缩放 GD（黎曼，peft）", "en": "scaled GD (Riemannian, peft)"},
    "optimizer": {"zh": "优化器", "en": "Optimizer"},
    "optimizer.sgd": {"zh": "SGD", "en": "SGD"},
    "optimizer.adam": {"zh": "Adam (0.9, 0.999, 1e-8)", "en": "Adam (0.9, 0.999, 1e-8)"},
    "lr_sgd": {"zh": "学习率 η（SGD；LoRA+ 为 η(A)）", "en": "Learning rate η (SGD; η(A) for LoRA+)"},
    "lr_adam": {"zh": "学习率 η（Adam；LoRA+ 为 η(A)）", "en": "Learning rate η (Adam; η(A) for LoRA+)"},
    "r": {"zh": "秩 r", "en": "Rank r"},
    "steps": {"zh": "步数", "en": "Steps"},
    "seed": {"zh": "随机因子的种子", "en": "Seed of the random factor"},
    "t_probe": {"zh": "探针步 t（D 图；点击损失图亦可）", "en": "Probed step t (view D; or click the loss view)"},
    "lp_ratio": {"zh": "LoRA+ 学习率比 λ = η(B)/η(A)", "en": "LoRA+ ratio λ = η(B)/η(A)"},
    "zero_init": {"zh": "哪个因子初始为零", "en": "Which factor starts at zero"},
    "zero_init.B": {"zh": "B = 0（peft 的 lora_B）", "en": "B = 0 (peft's lora_B)"},
    "zero_init.A": {"zh": "A = 0", "en": "A = 0"},
    "init": {"zh": "LoRA / LoRA+ / LoRA-Pro 的初始化", "en": "Init of LoRA / LoRA+ / LoRA-Pro"},
    "init.zero": {"zh": "一个因子为零", "en": "one factor zero"},
    "init.lora_ga": {"zh": "LoRA-GA 初始化", "en": "LoRA-GA init"},
    "ga_scale": {"zh": "LoRA-GA 的缩放 c", "en": "LoRA-GA scale c"},
    "ga_scale.unit": {"zh": "c = 1（SGD）", "en": "c = 1 (SGD)"},
    "ga_scale.stable": {"zh": "stable（稳定缩放）", "en": "stable"},
    "ga_scale.custom": {"zh": "自定 c", "en": "custom c"},
    "ga_scale.adam_optimal": {"zh": "Adam 的 c*", "en": "Adam's c*"},
    "ga_gamma": {"zh": "stable 的 γ（c = ∜m/√γ）", "en": "γ of the stable scale (c = ∜m/√γ)"},
    "ga_c": {"zh": "自定 c", "en": "Custom c"},
    "ga_direction": {"zh": "前 2r 个奇异对的分法", "en": "Split of the top 2r singular pairs"},
    "capacity_matched": {"zh": "容量对齐：秩 ≤ r 的方法用 2r（E9）", "en": "Capacity-matched: rank-≤r methods at 2r (E9)"},
    "pro_C": {"zh": "LoRA-Pro 的自由矩阵 C", "en": "LoRA-Pro's free matrix C"},
    "pro_C.zero": {"zh": "C = 0", "en": "C = 0"},
    "pro_C.sym": {"zh": "对称 Cₛ (19)", "en": "symmetric Cₛ (19)"},
    "pro_C.sylvester": {"zh": "Sylvester (24)", "en": "Sylvester (24)"},
    "pro_variant": {"zh": "LoRA-Pro 的 Adam", "en": "LoRA-Pro's Adam"},
    "pro_variant.full": {"zh": "全尺寸矩 (25)", "en": "full-size moments (25)"},
    "pro_variant.simple": {"zh": "逐因子（简化版）", "en": "per factor (simple)"},
    # messages and buttons
    "m_above_n": {"zh": "线性问题要求 m ≤ n（教师 U = qr(randn(n, m))），现在 n = {n}、m = {m}",
                  "en": "The linear problem needs m ≤ n (teacher U = qr(randn(n, m))); now n = {n}, m = {m}"},
    "ga_rank": {"zh": "LoRA-GA 要取 G0 的前 2r 个奇异对：r = {r} 太大，这里 r 至多 {limit}",
                "en": "LoRA-GA takes the top 2r singular pairs of G0: r = {r} is too large, at most {limit} here"},
    "diverged_mark": {"zh": "（发散）", "en": " (diverged)"},
    "digits_pending": {"zh": "digits：按“在 digits 上运行”计算（每个方法约 1–2 秒）",
                       "en": "digits: press “Run on digits” to compute (about 1–2 s per method)"},
    "run_digits": {"zh": "在 digits 上运行所需的全部方法", "en": "Run on digits (every method the views need)"},
    "run_heatmap": {"zh": "计算 LoRA+ 热图（η(A) × λ）", "en": "Compute the LoRA+ heatmap (η(A) × λ)"},
    # A–D
    "step": {"zh": "步 t", "en": "step t"},
    "loss_axis": {"zh": "损失 L", "en": "loss L"},
    "view_loss_floors": {"zh": "A. 损失随步数（虚线：下界）", "en": "A. Loss per step (dashed: floors)"},
    "view_loss": {"zh": "A. 损失随步数", "en": "A. Loss per step"},
    "floor_full": {"zh": "全量最优", "en": "full FT optimum"},
    "floor_r": {"zh": "最佳秩 r", "en": "best rank r"},
    "floor_2r": {"zh": "最佳秩 2r", "en": "best rank 2r"},
    "view_distance": {"zh": "B. 与全量微调的距离 ‖ΔW − ΔW(全量)‖/‖ΔW(全量)‖",
                      "en": "B. Distance to full fine-tuning ‖ΔW − ΔW(full)‖/‖ΔW(full)‖"},
    "distance_axis": {"zh": "相对距离", "en": "relative distance"},
    "view_cos": {"zh": "C. cos(G̃, G)：等效梯度与全梯度", "en": "C. cos(G̃, G): equivalent vs full gradient"},
    "cos_axis": {"zh": "cos", "en": "cos"},
    "bound": {"zh": "投影上界 ‖G̃ₚᵣₒ‖/‖G‖", "en": "projection bound ‖G̃ₚᵣₒ‖/‖G‖"},
    "view_spectrum": {"zh": "D. ΔW 在 t = {t} 的奇异值（竖线：r = {r}、2r = {r2}）",
                      "en": "D. Singular values of ΔW at t = {t} (guides: r = {r}, 2r = {r2})"},
    "sv_index": {"zh": "序号 i", "en": "index i"},
    "sv_axis": {"zh": "σᵢ(ΔW)", "en": "σᵢ(ΔW)"},
    "col_method": {"zh": "方法", "en": "method"},
    "col_L1": {"zh": "L₁", "en": "L₁"},
    "col_L10": {"zh": "L₁₀", "en": "L₁₀"},
    "col_LT": {"zh": "L({T})", "en": "L({T})"},
    "col_cos0": {"zh": "cos₀", "en": "cos₀"},
    "col_gap1": {"zh": "gap₁", "en": "gap₁"},
    "col_gap2": {"zh": "gap₂", "en": "gap₂"},
    "col_rank": {"zh": "ΔW 的秩", "en": "rank ΔW"},
    "col_distance": {"zh": "距离 (t = {T})", "en": "distance (t = {T})"},
    "col_accuracy": {"zh": "测试准确率", "en": "test accuracy"},
    "floors_line": {"zh": "下界（r = {r}）：{floors}。", "en": "Floors (r = {r}): {floors}."},
    "note_main": {
        "zh": ("**读图**：每种方法在同一问题、同一 W0、同一数据上真实训练（torch，float64）。gap_t = ‖ΔA·ΔB‖/‖一阶部分‖ 是一步里"
               "被 (6)/(9) 的“≈”丢掉的二阶部分（E8：η‖G‖ 不小时它并不小）。C 图的虚线是同一 (A_t, B_t) 处任何 H_A B + A H_B "
               "能达到的最大余弦（G 在秩 r 流形切空间上的投影）；SGD 下 LoRA-Pro 恰好贴着它。**勘误 E9**：LoRA-GA 的 W_base = W0 − A0B0 "
               "使 ΔW 的秩可达 2r，所以它会停在秩 r 下界之**下**（D 图里越过 r 的竖线），与秩 r 的 LoRA 并非同容量；勾选"
               "“容量对齐”可比较。默认的线性问题在 SGD、η = 0.5 下复现简报 §3.3 的表（L₉₉：LoRA 0.211481，LoRA-GA 0.186702，"
               "LoRA-Pro 0.209781 = 秩 4 下界）；该设置下 λ = 16 的 LoRA+ 发散。"),
        "en": ("**Reading the views**: every method really trains (torch, float64) on the same problem, W0 and data. "
               "gap_t = ‖ΔA·ΔB‖/‖first-order part‖ is the second-order share of a step that the “≈” of (6)/(9) drops "
               "(E8: not small unless η‖G‖ is). The dashed lines in C are the best cosine any H_A B + A H_B reaches at the "
               "same (A_t, B_t) (the projection of G onto the tangent space of the rank-r manifold); under SGD LoRA-Pro "
               "rides on it. **Erratum E9**: LoRA-GA's W_base = W0 − A0B0 gives ΔW a rank up to 2r, so it ends **below** the "
               "rank-r floor (its spectrum in D passes the r guide) and is not capacity-matched with a rank-r LoRA; tick "
               "“capacity-matched” to compare. The default linear problem under SGD, η = 0.5 reproduces "
               "the table of brief §3.3 (L₉₉: LoRA 0.211481, LoRA-GA 0.186702, LoRA-Pro 0.209781 = the rank-4 floor); "
               "LoRA+ at λ = 16 diverges there."),
    },
    # E: LoRA+
    "tab_loraplus": {"zh": "E. LoRA+", "en": "E. LoRA+"},
    "heading_loraplus": {"zh": "LoRA+：η(B)/η(A) 与两因子的贡献（10001）", "en": "LoRA+: η(B)/η(A) and the factors' shares (10001)"},
    "view_factor_loss": {"zh": "每步一阶损失下降 −ΔL(A)、−ΔL(B)（实线 A，虚线 B）",
                         "en": "First-order loss decrease per step −ΔL(A), −ΔL(B) (solid A, dashed B)"},
    "view_balance": {"zh": "RMS(B)/RMS(A) 与 ΔL(B)/ΔL(A)，对照 λ（E4）", "en": "RMS(B)/RMS(A) and ΔL(B)/ΔL(A) against λ (E4)"},
    "ratio_axis": {"zh": "比值", "en": "ratio"},
    "view_heatmap": {"zh": "末步损失 log₁₀ L(T)：最佳 η(A) = {lr:.3g}，λ = {ratio:g}（L = {loss:.4g}）",
                     "en": "Final loss log₁₀ L(T): best η(A) = {lr:.3g}, λ = {ratio:g} (L = {loss:.4g})"},
    "view_heatmap_none": {"zh": "末步损失 log₁₀ L(T)：全部发散", "en": "Final loss log₁₀ L(T): every run diverged"},
    "view_heatmap_empty": {"zh": "LoRA+ 热图：按上面的按钮计算", "en": "LoRA+ heatmap: press the button above"},
    "ratio_readout": {
        "zh": ("**η(B)/η(A) 的三种规则**（n = {n}，m = {m}，r = {r}）：原文 (5) (n/m)√(n/r) = **{post:.3g}**；"
               "按随机模型计数 n/√(mr) = **{random:.3g}**；按参数量 √(m/r) = **{param:.3g}**；随机模型实测 ‖G(A)‖₁/‖G(B)‖₁ = "
               "**{measured:.3g}**。当前 λ = {chosen}。"),
        "en": ("**Three rules for η(B)/η(A)** (n = {n}, m = {m}, r = {r}): the post's (5) (n/m)√(n/r) = **{post:.3g}**; "
               "counted under the random model n/√(mr) = **{random:.3g}**; by parameter count √(m/r) = **{param:.3g}**; "
               "measured ‖G(A)‖₁/‖G(B)‖₁ under the random model = **{measured:.3g}**. Current λ = {chosen}."),
    },
    "note_loraplus": {
        "zh": ("这里的 A 是输入侧（peft 的 lora_A），B 是输出侧（peft 的 lora_B，默认为零、LoRA+ 给它更大的学习率）。"
               "**勘误 E3**：m ≠ n 时原文 (5) 把 G_A 的每个元素按 |B|、G_B 按 |A| 计，忽略了 G_A 对 m 项求和而 G_B 对 n 项求和；"
               "随机模型下使贡献相等的比是 n/√(mr)，与原文差 √(n/m)（m = n 时一致）。**E4**：“学习率比 λ ⇒ 参数量级比 λ”只在方向上成立"
               "（digits 上 λ = 64 时 300 步后量级比约 12）。线性问题看不到 LoRA+ 的收益（各向同性变体上最佳 λ 为 1–2；SGD 下大 λ 发散）："
               "LoRA+ 需要学特征的任务，换到 digits 看（Adam、100 步的最佳 λ 约为 8，而 √(n/r) = 4）。"
               "原文说哪个因子为零不影响结论 η_B > η_A；Hayou 等 (2024) 指出两种零初始化并不等价。"),
        "en": ("A is the input side (peft's lora_A), B the output side (peft's lora_B: zero at start, the one LoRA+ speeds up). "
               "**Erratum E3**: for m ≠ n the post's (5) sizes each entry of G_A by |B| and of G_B by |A|, ignoring that "
               "G_A sums m terms and G_B sums n; under the random model the equalising ratio is n/√(mr), off the post's by "
               "√(n/m) (equal at m = n). **E4**: “LR ratio λ ⇒ magnitude ratio λ” holds only in direction (on digits "
               "λ = 64 gave a magnitude ratio of about 12 after 300 steps). The linear problem shows no LoRA+ gain (best "
               "λ 1–2 on an isotropic variant; large λ diverges under SGD): LoRA+ needs a feature-learning task — switch to "
               "digits (best λ about 8 under Adam at 100 steps, against √(n/r) = 4). The post says the conclusion "
               "η_B > η_A does not depend on which factor starts at zero; Hayou et al. (2024) show the two are not "
               "equivalent."),
    },
    # F: LoRA-GA
    "tab_loraga": {"zh": "F. LoRA-GA", "en": "F. LoRA-GA"},
    "heading_loraga": {"zh": "LoRA-GA：让第一步对齐全量微调（10226）", "en": "LoRA-GA: a first step aligned with full fine-tuning (10226)"},
    "view_first_step": {"zh": "第一步的差 ‖W₁ − W₁(全量)‖/‖ηG₀‖ 随 η（竖线：当前 η）",
                        "en": "First-step mismatch ‖W₁ − W₁(full)‖/‖ηG₀‖ against η (line: current η)"},
    "first_step_axis": {"zh": "相对差", "en": "relative mismatch"},
    "exact": {"zh": "精确（含 η² 项）", "en": "exact (with the η² term)"},
    "first_order": {"zh": "一阶 (3)", "en": "first order (3)"},
    "view_scale": {"zh": "沿 c·(A0, B0) 的目标：SGD (5) 与 Adam (9)", "en": "Objectives along c·(A0, B0): SGD (5) and Adam (9)"},
    "objective_axis": {"zh": "归一化目标", "en": "normalised objective"},
    "objective_sgd": {"zh": "(5)/‖G₀‖²（SGD）", "en": "(5)/‖G₀‖² (SGD)"},
    "objective_adam": {"zh": "(9)/nm（Adam，符号）", "en": "(9)/nm (Adam, signs)"},
    "view_sigma": {"zh": "G₀ 的奇异值：LoRA-GA 取给 A0 与 B0 的 2r 个", "en": "Singular values of G₀: the 2r LoRA-GA gives A0 and B0"},
    "sigma_all": {"zh": "σᵢ(G₀)", "en": "σᵢ(G₀)"},
    "sigma_A": {"zh": "给 A0（U 的列）", "en": "to A0 (columns of U)"},
    "sigma_B": {"zh": "给 B0（Vh 的行）", "en": "to B0 (rows of Vh)"},
    "ga_readout": {
        "zh": ("第一步余弦 cos₀ = √(前 {r2} 个 σ² 的占比) = **{cos0:.6f}**；Adam 沿射线的最优 c* = **{c_star:.4g}**，"
               "stable 缩放 = {c_stable:.4g}。LoRA-GA 末步 ΔW 的秩见主表（E9：可达 2r）。"),
        "en": ("First-step cosine cos₀ = √(share of the top {r2} σ²) = **{cos0:.6f}**; Adam's optimum along the ray "
               "c* = **{c_star:.4g}**, stable scale = {c_stable:.4g}. The rank of LoRA-GA's final ΔW is in the main table "
               "(E9: up to 2r)."),
    },
    "note_loraga": {
        "zh": ("A0 = U[:, :r]、B0 = Vh[r:2r]（ArB2r，原文 (8)）使第一步恰为 −ηG_2r；最优不唯一（互换、交替都行）。"
               "奇异向量的符号按 sklearn 的 svd_flip 固定：A0B0 = Σ u_i v_{r+i}ᵀ 随符号改变，不固定则轨迹随 LAPACK 而变。"
               "“≈”的代价见左图（E8）：一阶差平坦，精确差随 η 增大。SGD 下 c = 1 最优；Adam 的目标 (9) 沿射线是 c 的二次函数，"
               "最优 c* = ⟨M, sign G₀⟩/‖M‖²（简报的补充），原文没有闭式。作者建议用全量微调的学习率。"
               "**勘误 E10**：peft 0.21 的 lora_ga 初始化把 lora_B 乘以 σ[r:2r]，其 stable 只缩放 lora_B，与作者代码（两因子同缩放、"
               "纯奇异向量）不同，第一步与 G_2r 相差很远；与 peft 只能比子空间。**E9** 见主图说明。"),
        "en": ("A0 = U[:, :r], B0 = Vh[r:2r] (ArB2r, the post's (8)) make the first step exactly −ηG_2r; the optimum is not "
               "unique (swapped or alternating splits work too). Singular-vector signs follow sklearn's svd_flip: "
               "A0B0 = Σ u_i v_{r+i}ᵀ changes with them, and unfixed signs make the trajectory depend on LAPACK. The "
               "price of the “≈” is on the left (E8): the first-order mismatch is flat, the exact one grows with η. Under "
               "SGD c = 1 is optimal; Adam's objective (9) is quadratic in c along the ray, minimised at "
               "c* = ⟨M, sign G₀⟩/‖M‖² (the brief's addition; the post has no closed form). The authors advise the full "
               "fine-tuning learning rate. **Erratum E10**: peft 0.21's lora_ga init multiplies lora_B by σ[r:2r] and its "
               "stable option scales lora_B only, unlike the authors' code (plain singular vectors, both factors scaled); "
               "its first step misses G_2r by far, so compare subspaces only. **E9**: see the main note."),
    },
    # G: LoRA-Pro
    "tab_lorapro": {"zh": "G. LoRA-Pro", "en": "G. LoRA-Pro"},
    "heading_lorapro": {"zh": "LoRA-Pro：自由矩阵 C 的选择（10266）", "en": "LoRA-Pro: the choice of the free matrix C (10266)"},
    "view_gap": {"zh": "二阶占比 gapₜ（三种 C）", "en": "Second-order share gapₜ (three choices of C)"},
    "gap_axis": {"zh": "gapₜ", "en": "gapₜ"},
    "view_pro_loss": {"zh": "损失随步数（三种 C；E5）", "en": "Loss per step (three choices of C; E5)"},
    "view_jump": {"zh": "A 的相对步长 ‖η·H(A)‖/‖A‖（三种 C）", "en": "Relative step of A, ‖η·H(A)‖/‖A‖ (three choices of C)"},
    "jump_axis": {"zh": "‖η·H(A)‖/‖A‖", "en": "‖η·H(A)‖/‖A‖"},
    "memory": {
        "zh": ("**Adam 状态（浮点数，一个 {n}×{m} 矩阵，r = {r}）**：全量微调 2nm = {full:,}；LoRA 2r(n+m) = {lora:,}；"
               "LoRA-Pro 全尺寸矩 (25) = {pro_full:,}（与全量相同）；LoRA-Pro 逐因子 = {pro_simple:,}。"),
        "en": ("**Adam state (floats, one {n}×{m} matrix, r = {r})**: full fine-tuning 2nm = {full:,}; LoRA 2r(n+m) = "
               "{lora:,}; LoRA-Pro with full moments (25) = {pro_full:,} (as full fine-tuning); LoRA-Pro per factor = "
               "{pro_simple:,}."),
    },
    "note_lorapro": {
        "zh": ("等效梯度 H_A B + A H_B = G − (I − P_A)G(I − P_B) 与 C 无关，但 C 改变真实的一步（含 η² 项）。"
               "**勘误 E5**：原文预期 C 的选择影响不大——从 LoRA-GA 初始化出发确实如此（< 1%），但零 B 起步后不成立："
               "B = O(η) 使 (BBᵀ)⁻¹ = O(η⁻²)，A 一步跳变 100–200%，第 1 步的二阶占比对 C = 0、对称、Sylvester 分别为 0、26%、50%，"
               "L₂ 为 0.4227、0.3696、0.3428，之后三者收敛到同一损失（gap₁ = 0 对 C = 0 是二次损失的巧合）。"
               "**E6**：原文 (25) 写 M̂/√(V̂ + ε)，torch 与作者代码用 M̂/(√V̂ + ε)，这里用后者。**E7**：原文的 C 是论文 X 的转置。"
               "**E11**：作者代码写死 scaling_factor = 16/8，global_step == 0 分支是死代码（B = 0 时无害），exp_avg_sq 以 bf16 更新。"),
        "en": ("The equivalent gradient H_A B + A H_B = G − (I − P_A)G(I − P_B) does not depend on C, but C changes the real "
               "step (its η² term). **Erratum E5**: the post expects the choice of C to matter little — true from the "
               "LoRA-GA init (< 1 %), false right after a zero-B start: B = O(η) makes (BBᵀ)⁻¹ = O(η⁻²), A jumps by "
               "100–200 %, the second-order share of step 1 is 0, 26 and 50 % for C = 0, symmetric and Sylvester, and L₂ is "
               "0.4227, 0.3696 and 0.3428; all three then converge to the same loss (gap₁ = 0 for C = 0 is an accident of "
               "quadratic losses). **E6**: the post's (25) writes M̂/√(V̂ + ε); torch and the authors' code use "
               "M̂/(√V̂ + ε), as here. **E7**: the post's C is the transpose of the paper's X. **E11**: the authors' code "
               "hard-codes scaling_factor = 16/8, its global_step == 0 branch is dead (harmless at B = 0), and "
               "exp_avg_sq is updated in bf16."),
    },
    # H: 9590
    "tab_9590": {"zh": "H–I. 9590 补充与图 F1", "en": "H–I. 9590 extras, F1"},
    "heading_9590": {"zh": "随机投影、加性适配器与图 F1（9590）",
                     "en": "Random projection, additive adapters and figure F1 (9590)"},
    "view_projection": {"zh": "随机投影更新的均值沿 −ηG₀ 的系数", "en": "Mean random-projection update: its coefficient along −ηG₀"},
    "mc_mean": {"zh": "k 次抽样的均值", "en": "mean of k draws"},
    "post_claim": {"zh": "1（原文“平均等价于 SGD”）", "en": "1 (the post's “SGD on average”)"},
    "draws": {"zh": "抽样次数 k", "en": "draws k"},
    "coefficient_axis": {"zh": "⟨均值, G⟩/(η‖G‖²)", "en": "⟨mean, G⟩/(η‖G‖²)"},
    "view_deviation": {"zh": "均值到 2G 与到 G 的相对距离", "en": "Relative distance of the mean to 2G and to G"},
    "deviation_axis": {"zh": "相对距离", "en": "relative distance"},
    "additive_readout": {
        "zh": "**加性适配器的秩**（n = {n}，m = {m}，随机因子）：AB 的秩 ≤ r，A·[I…I] + [I;…;I]·B 的秩 ≤ 2r（需 r | n、r | m）。",
        "en": "**Ranks of the additive adapters** (n = {n}, m = {m}, random factors): rank AB ≤ r, rank of A·[I…I] + [I;…;I]·B ≤ 2r (needs r | n and r | m).",
    },
    "view_schematic": {"zh": "I. 图 F1 按比例：W = W₀ + AB，AB 训练 r(n+m) = {trained:,}（{share:.0%}）",
                       "en": "I. F1 to scale: W = W₀ + AB; AB trains r(n+m) = {trained:,} ({share:.0%})"},
    "schematic_W0": {"zh": "W₀ ({n}×{m})", "en": "W₀ ({n}×{m})"},
    "schematic_A": {"zh": "A ({n}×{r})", "en": "A ({n}×{r})"},
    "schematic_B": {"zh": "B ({r}×{m})", "en": "B ({r}×{m})"},
    "schematic_W0_role": {"zh": "冻结\nnm = {full:,} 个数", "en": "frozen\nnm = {full:,} entries"},
    "schematic_A_role": {"zh": "输入侧\n= peft 的 lora_Aᵀ", "en": "input side\n= peft's lora_Aᵀ"},
    "schematic_B_role": {"zh": "输出侧 = peft 的 lora_Bᵀ\n通常初始为零\nLoRA+ 给它 λ 倍学习率",
                         "en": "output side = peft's lora_Bᵀ\nusually zero at start\nλ × the rate under LoRA+"},
    "note_9590": {
        "zh": ("**勘误 E1**：原文 (10) 写 u ∈ ℝ^{m×1}、v ∈ ℝ^{1×n}，与 G ∈ ℝ^{n×m} 不相容；应为 u ∈ ℝ^{n×1}、v ∈ ℝ^{1×m}"
               "（也是 (11) 所需）。**E2**：“平均等价于全秩 SGD”只差一个因子 2：E uuᵀ = I、E vᵀv = I，均值是 −2ηG（上图收敛到 2 而非 1），"
               "η² 项均值为零，单步噪声很大。加性适配器 A·1 + 1·B 的秩为 2（块版本 2r），AB 只有 1（r）。"),
        "en": ("**Erratum E1**: the post's (10) gives u ∈ ℝ^{m×1}, v ∈ ℝ^{1×n}, which do not conform with G ∈ ℝ^{n×m}; the "
               "right shapes are u ∈ ℝ^{n×1}, v ∈ ℝ^{1×m} (also what its (11) needs). **E2**: “equivalent to full-rank "
               "SGD on average” holds up to a factor 2: E uuᵀ = I and E vᵀv = I, so the mean update is −2ηG (the curve above "
               "goes to 2, not 1); the η² term has mean zero and the per-step noise is large. The additive adapter "
               "A·1 + 1·B has rank 2 (2r for the block version), AB only 1 (r)."),
    },
    # each view's name in the export menu and `kexue-viz list` (the frame's export_view.<view key>)
    "export_view.loss": {"zh": "A. 损失随步数", "en": "A. Loss per step"},
    "export_view.distance": {"zh": "B. 与全量微调的距离", "en": "B. Distance to full fine-tuning"},
    "export_view.cos": {"zh": "C. 等效梯度与全梯度的余弦", "en": "C. cos(G̃, G), equivalent vs full"},
    "export_view.spectrum": {"zh": "D. ΔW 的奇异值", "en": "D. Singular values of ΔW"},
    "export_view.factor_loss": {"zh": "LoRA+：每步一阶损失下降", "en": "LoRA+: first-order decrease per step"},
    "export_view.balance": {"zh": "LoRA+：RMS(B)/RMS(A) 与 λ", "en": "LoRA+: RMS(B)/RMS(A) against λ"},
    "export_view.heatmap": {"zh": "LoRA+：末步损失热图", "en": "LoRA+: final-loss heatmap"},
    "export_view.first_step": {"zh": "LoRA-GA：第一步的差随 η", "en": "LoRA-GA: first-step mismatch against η"},
    "export_view.scale": {"zh": "LoRA-GA：沿 c·(A0, B0) 的目标", "en": "LoRA-GA: objectives along c·(A0, B0)"},
    "export_view.sigma_G0": {"zh": "LoRA-GA：G₀ 的奇异值", "en": "LoRA-GA: singular values of G₀"},
    "export_view.gap": {"zh": "LoRA-Pro：二阶占比 gapₜ", "en": "LoRA-Pro: second-order share gapₜ"},
    "export_view.jump": {"zh": "LoRA-Pro：A 的相对步长", "en": "LoRA-Pro: relative step of A"},
    "export_view.pro_loss": {"zh": "LoRA-Pro：损失随步数", "en": "LoRA-Pro: loss per step"},
    "export_view.projection": {"zh": "随机投影更新的均值", "en": "Mean random-projection update"},
    "export_view.deviation": {"zh": "均值到 2G 与到 G 的距离", "en": "Distance of the mean to 2G and to G"},
    "export_view.schematic": {"zh": "I. 图 F1：W = W₀ + AB 按比例", "en": "I. Figure F1: W = W₀ + AB to scale"},
})
