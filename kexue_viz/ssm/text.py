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
    "measure.fout_post": {"zh": "FouT：窗口傅里叶（原文写法）", "en": "FouT: window Fourier (post 1, as written)"},
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
    "view_traj": {"zh": "系数轨迹 x_n(t)", "en": "Coefficient trajectories x_n(t)"},
    "coefficient": {"zh": "系数", "en": "coefficient"},
    "view_spectrum": {"zh": "T 时刻的系数大小 |x_n(T)|", "en": "Coefficient magnitudes |x_n(T)|"},
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
})
