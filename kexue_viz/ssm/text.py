"""Reader-facing text of the HiPPO dashboard and figures, in Chinese and English."""
from ..i18n import TextTable

TEXT = TextTable({
    "title": {"zh": "HiPPO 动力学：在线函数逼近", "en": "HiPPO dynamics: online function approximation"},
    "post_1": {"zh": "重温SSM（一）：线性系统和HiPPO矩阵", "en": "Revisiting SSM (1): linear systems and HiPPO"},
    "post_2": {"zh": "重温SSM（二）：HiPPO的一些遗留问题", "en": "Revisiting SSM (2): HiPPO leftovers"},
    # parameters
    "signal": {"zh": "输入信号", "en": "Input signal"},
    "signal.white_noise": {"zh": "带限白噪声（有种子）", "en": "Band-limited white noise (seeded)"},
    "signal.sines": {"zh": "正弦叠加", "en": "Sum of sines"},
    "signal.square": {"zh": "方波", "en": "Square wave"},
    "signal.chirp": {"zh": "线性调频", "en": "Chirp"},
    "signal.step": {"zh": "阶跃", "en": "Step"},
    "signal.random_walk": {"zh": "随机游走", "en": "Random walk"},
    "signal.upload": {"zh": "上传的 CSV 列", "en": "Uploaded CSV column"},
    "freq": {"zh": "频率 / 带宽（每单位时间周期数）", "en": "Frequency / band limit (cycles per unit time)"},
    "seed": {"zh": "随机种子", "en": "Random seed"},
    "duration": {"zh": "总时长", "en": "Total duration"},
    "L": {"zh": "采样点数 L", "en": "Samples L"},
    "measure": {"zh": "记忆方式（测度）", "en": "Memory (measure)"},
    "measure.legs": {"zh": "LegS：整个历史（缩放）", "en": "LegS: whole history (scaled)"},
    "measure.legt": {"zh": "LegT：最近窗口 w", "en": "LegT: sliding window w"},
    "measure.fout": {"zh": "FouT：窗口傅里叶（修正）", "en": "FouT: window Fourier (corrected)"},
    "measure.fout_post": {"zh": "FouT：窗口傅里叶（原文写法）", "en": "FouT: window Fourier (post 1)"},
    "measure.lagt": {"zh": "LagT：拉盖尔（对照）", "en": "LagT: Laguerre (contrast)"},
    "N": {"zh": "状态维数 N", "en": "State size N"},
    "w": {"zh": "窗口长度 w（LegT/FouT）", "en": "Window w (LegT/FouT)"},
    "method": {"zh": "离散化", "en": "Discretisation"},
    "method.zoh": {"zh": "精确（ZOH）", "en": "Exact (ZOH)"},
    "method.bilinear": {"zh": "双线性（原文）", "en": "Bilinear (post)"},
    "method.bilinear_s4": {"zh": "双线性（s4 代码）", "en": "Bilinear (s4 repo)"},
    "method.backward_euler": {"zh": "后向欧拉", "en": "Backward Euler"},
    "method.forward_euler": {"zh": "前向欧拉", "en": "Forward Euler"},
    "norm": {"zh": "系数归一化", "en": "Coefficient normalisation"},
    "norm.su": {"zh": "苏（标准正交）", "en": "Su (orthonormal)"},
    "norm.paper": {"zh": "论文（×1/√2）", "en": "Paper (×1/√2)"},
    "norm.integer": {"zh": "整数形式", "en": "Integer form"},
    "cursor": {"zh": "当前时刻 T / 总时长", "en": "Cursor T / duration"},
    "n_shown": {"zh": "显示的系数条数", "en": "Coefficients shown"},
    "log_y": {"zh": "对数纵轴", "en": "Log y axis"},
    "upload": {"zh": "上传 CSV/TSV（取第一列数值）", "en": "Upload CSV/TSV (first numeric column)"},
    "play": {"zh": "播放", "en": "Play"},
    # views
    "time": {"zh": "时间 t", "en": "time t"},
    "value": {"zh": "u(t)", "en": "u(t)"},
    "input": {"zh": "输入 u", "en": "input u"},
    "reconstruction": {"zh": "T 时刻状态的重构", "en": "reconstruction from the state at T"},
    "remembered": {"zh": "被记忆的区间", "en": "remembered span"},
    "view_input": {"zh": "输入 u(t) 与 T={T:.2f} 时状态记住的历史（相对误差 {err:.3g}）",
                   "en": "Input u(t) and the history the state remembers at T={T:.2f} (relative error {err:.3g})"},
    "view_traj": {"zh": "系数轨迹 xₙ(t)", "en": "Coefficient trajectories xₙ(t)"},
    "coefficient": {"zh": "系数", "en": "coefficient"},
    "view_spectrum": {"zh": "T 时刻的系数大小 |xₙ(T)|", "en": "Coefficient magnitudes |xₙ(T)|"},
    "index_n": {"zh": "下标 n", "en": "index n"},
    "view_error": {"zh": "重构误差与 N（T 时刻）", "en": "Reconstruction error vs N (at T)"},
    "rel_error": {"zh": "相对 L² 误差", "en": "relative L² error"},
    "online": {"zh": "在线递推", "en": "online recurrence"},
    "optimal": {"zh": "最优投影（Bessel）", "en": "optimal projection (Bessel)"},
    "view_eig_cont": {"zh": "ε·λ(A) 与离散格式的稳定域", "en": "ε·λ(A) and the scheme's stability region"},
    "view_eig_disc": {"zh": "λ(Ā) 与单位圆（谱半径 {rho:.4g}）", "en": "λ(Ā) and the unit circle (spectral radius {rho:.4g})"},
    "real": {"zh": "实部", "en": "real part"},
    "imag": {"zh": "虚部", "en": "imaginary part"},
    "eig_numeric": {"zh": "数值 eig", "en": "numerical eig"},
    "eig_exact": {"zh": "精确（Padé 极点）", "en": "exact (Padé poles)"},
    "unit_circle": {"zh": "单位圆", "en": "unit circle"},
    "stable_region": {"zh": "稳定域", "en": "stability region"},
    "view_eig_cont_legs": {"zh": "δ·λ(A) 与稳定域（LegS 第 k 步 δ=ln((k+1)/k)）",
                           "en": "δ·λ(A) and stability region (LegS step k: δ = ln((k+1)/k))"},
    "upload_ok": {"zh": "已载入 {n} 个数值", "en": "Loaded {n} values"},
    "upload_needed": {"zh": "请先上传 CSV 文件；当前仍显示上一个信号", "en": "Upload a CSV file first; the previous signal stays"},
    # S4 / RTF section (posts 3, 4)
    "post_3": {"zh": "重温SSM（三）：HiPPO的高效计算（S4）", "en": "Revisiting SSM (3): efficient HiPPO (S4)"},
    "post_4": {"zh": "重温SSM（四）：有理生成函数的新视角", "en": "Revisiting SSM (4): rational generating functions"},
    "s4_step": {"zh": "S4 步长 ε（时不变用法）", "en": "S4 step ε (time-invariant use)"},
    "readout": {"zh": "S4 读出 C", "en": "S4 readout C"},
    "readout.ones": {"zh": "全 1", "en": "ones"},
    "readout.random": {"zh": "随机（种子）", "en": "random (seeded)"},
    "readout.e0": {"zh": "e₀（第一个系数）", "en": "e₀ (first coefficient)"},
    "s4_heading": {"zh": "S4 与 RTF：把测度的 A 当成时不变系统，卷积核 K̄ 与生成函数",
                   "en": "S4 and RTF: the measure's A used time-invariantly, kernel K̄ and generating function"},
    "lag_k": {"zh": "滞后 k（步）", "en": "lag k (steps)"},
    "kernel_cauchy": {"zh": "DPLR + Woodbury + Cauchy + IFFT", "en": "DPLR + Woodbury + Cauchy + IFFT"},
    "kernel_powers": {"zh": "参照：C̄Āᵏ B̄（Krylov）", "en": "reference: C̄Āᵏ B̄ (Krylov)"},
    "view_kernel": {"zh": "卷积核 K̄ₖ（与参照的最大相对差 {err:.1e}）",
                    "en": "Kernel K̄ₖ (max relative difference from the reference {err:.1e})"},
    "theta_over_pi": {"zh": "θ/π（z = e⁻ⁱᶿ）", "en": "θ/π (z = e⁻ⁱᶿ)"},
    "view_transfer": {"zh": "截断到 L 项的生成函数在单位圆上的模 |G(z)|（= K̄ 的 DFT）",
                      "en": "Generating function truncated at L terms, |G(z)| on the unit circle (= DFT of K̄)"},
    "ssm_output": {"zh": "SSM 输出 y = K̄ * u", "en": "SSM output y = K̄ * u"},
    "view_output": {"zh": "当前输入上的 SSM 输出（FFT 因果卷积，补零到 2L）",
                    "en": "SSM output on the current input (causal FFT convolution, zero-padded to 2L)"},
    "route": {"zh": "算法", "en": "route"},
    "milliseconds": {"zh": "毫秒（中位数）", "en": "milliseconds (median)"},
    "view_timing": {"zh": "求 K̄ 各算法的耗时（N={N}, L={L}）", "en": "Time per kernel route (N={N}, L={L})"},
    "route.powers": {"zh": "逐次幂（循环）", "en": "powers (loop)"},
    "route.krylov": {"zh": "Krylov 倍增", "en": "Krylov doubling"},
    "route.generating": {"zh": "生成函数（稠密求解）", "en": "generating fn (dense solves)"},
    "route.cauchy": {"zh": "DPLR–Cauchy", "en": "DPLR–Cauchy"},
    "route.cauchy64": {"zh": "DPLR–Cauchy（complex64）", "en": "DPLR–Cauchy (complex64)"},
    "route.diagonal": {"zh": "对角（Vandermonde）", "en": "diagonal (Vandermonde)"},
    "route.rtf": {"zh": "RTF（FFT 相除）", "en": "RTF (FFT division)"},
    "time_routes": {"zh": "计时：当前 N、L 下各算法", "en": "Time the routes for the current N, L"},
    "timing_pending": {"zh": "这个 N、L 尚未计时：请点下方的按钮", "en": "Not timed for this N, L yet: press the button below"},
    "timing_none": {"zh": "点按钮，为当前 N、L 计时各算法（每个重复 3 次取中位数）。",
                    "en": "Press the button to time every route for the current N, L (median of 3 runs each)."},
    "view_eigvec": {"zh": "LegS 特征向量 |vₙ|（λ = N/3），对数坐标", "en": "LegS eigenvector |vₙ| (λ = N/3), log scale"},
    "poles": {"zh": "极点", "en": "poles"},
    "view_poles": {"zh": "极点与单位圆", "en": "Poles and the unit circle"},
    "view_poles_sum": {"zh": "极点与单位圆（Σ|a| = {s:.3g}）", "en": "Poles and the unit circle (Σ|a| = {s:.3g})"},
    "s4_note": {
        "zh": ("**S4 视图**：把所选测度的 A（LegS 即 S4 的做法）当成时不变系统 x′=Ax+Bu，双线性离散化（步长 ε），"
               "B 取论文归一化。卷积核 K̄_k = C̄ᵀĀᵏB̄ 由 S4 的路线算出：DPLR 分解 A = V(Λ−PP*)V*，"
               "在 L 次单位根上用 Woodbury 与 Cauchy 求和得到截断生成函数（C̃ = (I−Āᴸ)ᵀC̄ 的技巧），再做 IFFT；"
               "虚线是直接求幂的参照。原文的 2/(1+z) 在 z=−1（偶数 L 时是节点）处发散，这里乘开分母后不再有极点。"
               "LegS 的特征向量矩阵条件数随 N 指数增长（原文的 O(√N 2^{−4N/3}) 前因子应为 N^{3/2}），所以不直接对角化。"
               "RTF（原文开头写作 RFT）把 G_L 写成 b(z)/a(z)，核 = IDFT(DFT b̄ / DFT ā)，与 N 无关；"
               "但从 HiPPO 系统换算 (a,b) 时，Ā 的特征值挤在 1 附近，系数相消，会丢掉若干位有效数字。"),
        "en": ("**S4 view**: the chosen measure's A (LegS: S4's choice) used as the time-invariant system x′=Ax+Bu, "
               "bilinear step ε, B in paper normalisation. The kernel K̄_k = C̄ᵀĀᵏB̄ comes from S4's route: the DPLR "
               "form A = V(Λ−PP*)V*, Woodbury and Cauchy sums at the L-th roots of unity for the truncated "
               "generating function (the C̃ = (I−Āᴸ)ᵀC̄ trick), then an IFFT; dashed is the direct-power reference. "
               "The post's 2/(1+z) blows up at z = −1 (a node for even L); multiplying out the denominator removes "
               "the pole. LegS's eigenvector matrix has an exponentially growing condition number (the post's "
               "O(√N 2^{−4N/3}) has prefactor N^{3/2}, not √N), so S4 does not diagonalise it. RTF (the post's "
               "intro says \"RFT\") writes G_L = b(z)/a(z), kernel = IDFT(DFT b̄ / DFT ā), independent of N; "
               "converting a HiPPO system to (a, b) cancels digits when Ā's eigenvalues crowd near 1."),
    },
    "note": {
        "zh": ("**读图**：黑线是输入，橙线是 T 时刻状态所“记住”的历史，蓝色区域是该测度记忆的区间。"
               "LegS 记住整个 [0,T]（分辨率随 T 降低），LegT/FouT 只记住最近的 w。"
               "原文（一）的窗口傅里叶系统把端点值 u(T−w) 估计成截断级数在 s=0 处的和，但周期延拓在那里有跳跃，"
               "级数收敛到跳跃两侧的平均，所以它不收敛（误差随 N 停在约 0.29）；“修正”版本用 2Σc−u(T)。"
               "原文 LMU 缩放应取 λ=√(2/(2n+1))，而不是 2/√(2n+1)。"),
        "en": ("**Reading the figure**: black is the input, orange is the history remembered by the state at T, "
               "blue shades the span the measure remembers. LegS remembers all of [0,T] (resolution falls as T grows); "
               "LegT/FouT remember only the last w. Post 1's window-Fourier system estimates u(T−w) by the truncated "
               "series at s=0, but the periodic extension jumps there and the series converges to the mean of both "
               "sides, so the system does not converge (error stalls near 0.29 for every N); the corrected system uses "
               "2Σc−u(T). Post 1's LMU rescaling needs λ=√(2/(2n+1)), not 2/√(2n+1)."),
    },
    # each view's name in the export menu and `kexue-viz list` (the frame's export_view.<view key>)
    "export_view.memory": {"zh": "输入与状态记住的历史", "en": "Input and the remembered history"},
    "export_view.traj": {"zh": "系数轨迹 xₙ(t)", "en": "Coefficient trajectories xₙ(t)"},
    "export_view.spectrum": {"zh": "T 时刻的系数大小 |xₙ(T)|", "en": "Coefficient magnitudes |xₙ(T)|"},
    "export_view.error": {"zh": "重构误差与 N", "en": "Reconstruction error vs N"},
    "export_view.stability": {"zh": "连续特征值与稳定域", "en": "Continuous eigenvalues, stability"},
    "export_view.discrete": {"zh": "离散特征值 λ(Ā) 与单位圆", "en": "Eigenvalues λ(Ā) and the unit circle"},
    "export_view.kernel": {"zh": "卷积核 K̄ₖ", "en": "Convolution kernel K̄ₖ"},
    "export_view.transfer": {"zh": "生成函数的模 |G(z)|", "en": "Generating function |G(z)|"},
    "export_view.output": {"zh": "当前输入上的 SSM 输出", "en": "SSM output on the current input"},
    "export_view.timing": {"zh": "求 K̄ 各算法的耗时", "en": "Time per kernel route"},
})

UPLOAD_TEXT = TextTable({  # why an uploaded CSV column is rejected (kexue_viz.ssm.signals.parse_csv_column)
    "empty": {"zh": "上传的文件是空的", "en": "the uploaded file is empty"},
    "too_large": {"zh": "文件有 {size:.1f} MB，上限 {limit:.0f} MB", "en": "the file is {size:.1f} MB; the limit is {limit:.0f} MB"},
    "not_text": {"zh": "文件不是 UTF-8 文本；请上传 CSV 或 TSV 文件", "en": "the file is not UTF-8 text; upload a CSV or TSV file"},
    "no_rows": {"zh": "上传的文件没有数据行", "en": "the uploaded file has no rows"},
    "no_such_column": {"zh": "找不到列 {column!r}；表头是 {header}", "en": "column {column!r} not found; the header is {header}"},
    "short_line": {"zh": "第 {line} 行没有第 {index} 列（只有 {count} 列）", "en": "line {line} has no column {index} (it has {count})"},
    "not_a_number": {"zh": "第 {line} 行：{cell!r} 不是数", "en": "line {line}: {cell!r} is not a number"},
    "not_finite": {"zh": "第 {line} 行：{cell!r} 不是有限的数", "en": "line {line}: {cell!r} is not a finite number"},
    "too_few": {"zh": "这一列至少要有 2 个数", "en": "the column needs at least 2 values"},
    "too_many": {"zh": "这一列有 {count} 个数，上限 {limit}", "en": "the column has {count} values; the limit is {limit}"},
})
