"""Reader-facing text of the InfoMap dashboard and figures, in Chinese and English."""
from ..i18n import TextTable

TEXT = TextTable({
    "title": {"zh": "InfoMap 社区发现：随机游走、映射方程与合并过程", "en": "InfoMap communities: flow, the map equation and the search"},
    "post_7006": {"zh": "最小熵原理（五）：“层层递进”之社区发现与聚类", "en": "Minimum entropy (5): community detection layer by layer"},
    # parameters
    "graph": {"zh": "网络", "en": "Network"},
    "graph.karate": {"zh": "空手道俱乐部（无权）", "en": "Karate club (unweighted)"},
    "graph.karate_weighted": {"zh": "空手道俱乐部（加权）", "en": "Karate club (weighted)"},
    "graph.les_miserables": {"zh": "悲惨世界人物（加权）", "en": "Les Misérables (weighted)"},
    "graph.florentine": {"zh": "佛罗伦萨家族", "en": "Florentine families"},
    "graph.davis": {"zh": "Davis 南方妇女（按普通图）", "en": "Davis southern women (as one graph)"},
    "graph.ring": {"zh": "团环（ring of cliques）", "en": "Ring of cliques"},
    "graph.lfr": {"zh": "LFR 基准图（有真值）", "en": "LFR benchmark (ground truth)"},
    "graph.digits": {"zh": "手写数字 kNN 图（文中词聚类做法）", "en": "Digits kNN graph (the post's recipe)"},
    "graph.d6": {"zh": "D6（有向小例子）", "en": "D6 (directed toy)"},
    "graph.planted": {"zh": "有向种植划分图", "en": "Directed planted partition"},
    "graph.upload": {"zh": "上传的网络", "en": "Uploaded network"},
    "n_cliques": {"zh": "团的个数", "en": "Number of cliques"},
    "clique_size": {"zh": "团的大小", "en": "Clique size"},
    "lfr_n": {"zh": "LFR 节点数", "en": "LFR nodes"},
    "lfr_mu": {"zh": "LFR 混合参数 μ", "en": "LFR mixing μ"},
    "lfr_seed": {"zh": "LFR 种子", "en": "LFR seed"},
    "knn_k": {"zh": "近邻数 k", "en": "Neighbours k"},
    "knn_subset": {"zh": "图片数", "en": "Images"},
    "knn_min_sim": {"zh": "最小相似度", "en": "Minimum similarity"},
    "knn_directed": {"zh": "有向 kNN 图（文中做法）", "en": "Directed kNN graph (as in the post)"},
    "flow_model": {"zh": "流模型", "en": "Flow model"},
    "flow_model.undirected": {"zh": "无向", "en": "undirected"},
    "flow_model.directed": {"zh": "有向", "en": "directed"},
    "tau": {"zh": "穿越概率 τ", "en": "Teleportation τ"},
    "recorded": {"zh": "编码穿越步（原文/2008 论文）", "en": "Record teleportation (post / 2008 paper)"},
    "teleport_to": {"zh": "穿越到", "en": "Teleport to"},
    "teleport_to.links": {"zh": "边（Infomap 默认）", "en": "links (Infomap default)"},
    "teleport_to.nodes": {"zh": "节点（原文式 13）", "en": "nodes (post eq. 13)"},
    "post_convention": {"zh": "原文 / PNAS 约定", "en": "Post / PNAS convention"},
    "markov_time": {"zh": "马尔可夫时间 t", "en": "Markov time t"},
    "partition_source": {"zh": "划分来自", "en": "Partition from"},
    "partition_source.infomap": {"zh": "Infomap 两层", "en": "Infomap two-level"},
    "partition_source.multilevel": {"zh": "Infomap 多层", "en": "Infomap multilevel"},
    "partition_source.greedy": {"zh": "贪心合并（2008，逐步）", "en": "Greedy merge (2008, step)"},
    "partition_source.core": {"zh": "节点移动 + 聚合（2009，逐步）", "en": "Core moves + aggregation (2009, step)"},
    "partition_source.truth": {"zh": "真值 / 已知分组", "en": "Ground truth"},
    "partition_source.one": {"zh": "全部一类", "en": "One module"},
    "partition_source.singletons": {"zh": "每点一类", "en": "Singletons"},
    "partition_source.manual": {"zh": "手动（点选/套索）", "en": "Manual (tap / lasso)"},
    "num_trials": {"zh": "Infomap 试验次数", "en": "Infomap trials"},
    "seed": {"zh": "随机种子", "en": "Seed"},
    "step": {"zh": "搜索步", "en": "Search step"},
    "walk_T": {"zh": "随机游走步数 T", "en": "Walk length T"},
    "paint": {"zh": "点选节点归入模块（≥ 模块数 = 新模块）", "en": "Tapped nodes go to module (≥ count = new module)"},
    "show_boundary": {"zh": "突出跨模块的边", "en": "Highlight boundary links"},
    "upload": {"zh": "上传边表（CSV/TSV：source,target[,weight]）或 Pajek（.net）", "en": "Upload an edge list (CSV/TSV: source,target[,weight]) or Pajek (.net)"},
    "download": {"zh": "下载社区", "en": "Download communities"},
    # views
    "view_network": {"zh": "L = {L:.4f} 比特/步 · {m} 个模块 · 节省 {saving:.1%}", "en": "L = {L:.4f} bits/step · {m} modules · {saving:.1%} saved"},
    "view_decomposition": {"zh": "编码长度分解（比特/步）", "en": "Codelength decomposition (bits per step)"},
    "view_index_book": {"zh": "索引码本：进入各模块的频率", "en": "Index codebook: module entry rates"},
    "view_module_book": {"zh": "模块 {module} 的码本（退出 + 节点）", "en": "Codebook of module {module} (exit + nodes)"},
    "view_trajectory": {"zh": "搜索轨迹：L 随步数", "en": "Search trajectory: L against step"},
    "view_modules": {"zh": "模块数随步数", "en": "Number of modules against step"},
    "view_hierarchy": {"zh": "模块层次（宽度 ∝ 流量）", "en": "Module hierarchy (width ∝ flow)"},
    "view_walk": {"zh": "一段随机游走的两种编码（白 = 索引码字，灰 = 退出码字）", "en": "One walk, two codes (white: index, grey: exit codewords)"},
    "view_bits": {"zh": "每步平均比特数", "en": "Average bits per step"},
    "bits": {"zh": "比特", "en": "bits"},
    "bits_per_step": {"zh": "比特/步", "en": "bits/step"},
    "step_axis": {"zh": "步", "en": "step"},
    "modules_axis": {"zh": "模块数", "en": "modules"},
    "rate": {"zh": "频率", "en": "rate"},
    "depth": {"zh": "层", "en": "level"},
    "flow_axis": {"zh": "累计流量", "en": "cumulative flow"},
    "index_term": {"zh": "索引 q↶H(Q)", "en": "index q↶H(Q)"},
    "L_bar": {"zh": "L(M)", "en": "L(M)"},
    "H_bar": {"zh": "H(p) 一层编码", "en": "H(p) one level"},
    "rate_bar": {"zh": "熵率（下界）", "en": "entropy rate (bound)"},
    "exit": {"zh": "退出", "en": "exit"},
    "one_level": {"zh": "一层 Huffman 编码", "en": "one-level Huffman code"},
    "two_level": {"zh": "两层 Huffman 编码", "en": "two-level Huffman code"},
    "greedy": {"zh": "贪心合并 2008", "en": "greedy merge 2008"},
    "core": {"zh": "节点移动 2009", "en": "core moves 2009"},
    "infomap_line": {"zh": "当前划分", "en": "current partition"},
    "tab_codebooks": {"zh": "码本", "en": "Codebooks"},
    "tab_search": {"zh": "模块数与层次", "en": "Modules and hierarchy"},
    "tab_walk": {"zh": "随机游走编码", "en": "Walk encoding"},
    "tab_sweep": {"zh": "与其他方法比较", "en": "Other methods"},
    "view_sweep": {"zh": "与真值的 NMI：Infomap、Louvain、标签传播", "en": "NMI against the truth: Infomap, Louvain, label propagation"},
    "method.infomap": {"zh": "Infomap", "en": "Infomap"},
    "method.louvain": {"zh": "Louvain", "en": "Louvain"},
    "method.label_propagation": {"zh": "标签传播", "en": "label propagation"},
    "sweep": {"zh": "后台扫描（LFR：μ；数字：k）", "en": "Sweep in the background (LFR: μ; digits: k)"},
    "sweep_unavailable": {"zh": "扫描只对 LFR 与手写数字 kNN 图可用（它们有真值）", "en": "Sweeps need a graph with ground truth: LFR or digits kNN"},
    "too_big_for_steps": {"zh": "逐步搜索只在 n ≤ {limit} 时计算（当前 n = {n}）", "en": "Step-by-step searches run for n ≤ {limit} only (n = {n} here)"},
    "stats": {
        "zh": "**L = {L:.6f}** 比特/步（索引 {index:.6f} + 模块 {module:.6f}）· H(p) = {H:.6f} · 节省 {saving:.2%} · {m} 个模块 · n = {n}, 边 = {links}{nmi}",
        "en": "**L = {L:.6f}** bits/step (index {index:.6f} + module {module:.6f}) · H(p) = {H:.6f} · {saving:.2%} saved · {m} modules · n = {n}, links = {links}{nmi}"},
    "nmi": {"zh": " · 与真值的 NMI = {nmi:.3f}", "en": " · NMI vs truth = {nmi:.3f}"},
    "one_module": {"zh": "**Infomap 给出一个模块**：它找到的划分都不比“全体一个模块”更短（L = H(p) = {H:.6f} 比特）。",
                   "en": "**Infomap returns one module**: no partition it found codes shorter than all nodes in one "
                         "module (L = H(p) = {H:.6f} bits)."},
    "one_module_preferred": {"zh": "真值划分编码为 {L:.6f} 比特，更长：社区之间的连边太多，映射方程本身就偏好一个模块。",
                             "en": " The planted partition codes {L:.6f} bits, longer: too many links run between its "
                                   "communities, so the map equation itself prefers one module."},
    "one_module_missed": {"zh": "真值划分编码为 {L:.6f} 比特，更短：是搜索没有找到它，可增加试验次数或换一个种子。",
                          "en": " The planted partition codes {L:.6f} bits, shorter: the search missed it; try more "
                                "trials or another seed."},
    "upload_needed": {"zh": "请先上传一个网络文件", "en": "Upload a network file first"},
    "upload_ok": {"zh": "已读入：{n} 个节点，{links} 条边（{kind}）", "en": "Read {n} nodes and {links} links ({kind})"},
    "infomap_missing": {"zh": "未安装可选包 infomap（GPL）：pip install 'infomap>=2.16,<3'。其余来源仍可用。",
                        "en": "The optional package infomap (GPL) is not installed: pip install 'infomap>=2.16,<3'. Other sources still work."},
    "no_truth": {"zh": "这个网络没有已知分组", "en": "This network has no ground truth"},
    "manual_help": {"zh": "手动模式：在网络图上点选节点（或用套索圈选），它们会被归入上面选择的模块，L 立即更新。",
                    "en": "Manual mode: tap a node (or lasso several) in the network; they move to the module chosen above and L updates at once."},
    "note": {
        "zh": ("**怎么读**：节点面积 ∝ 访问频率 p_α，颜色 = 模块，边宽 ∝ 边上的流量。L(M) = q↶H(Q) + Σ p_i↻H(P^i)（原文式 11）。"
               "索引码本用**进入**频率、模块码本用**退出**频率；无向图和“编码穿越步”时两者相等（原文都写 q_i↷），"
               "Infomap 对有向图的默认设置（不编码穿越步）下两者不同。\n\n"
               "**原文勘误**：式 (8) 把所有符号的概率归一化为 Σq + Σp + Σq = 1，并说归不归一化都行。但归一化因子 1 + 2q↷ "
               "依赖于划分：在 barbell(4,1) 上穷举 21,147 个划分，L 的最小值是两个 K4 + 桥节点（L = 2.574165），"
               "L/(1+2q) 的最小值却是一个碎片化的划分（L = 3.599059）。本页按 Σp = 1 计算 L，不除以 1 + 2q。\n\n"
               "**原文式 (13)+(15)** 对应 Infomap 的“有向 + 编码穿越步 + 穿越到节点”（按钮“原文 / PNAS 约定”）；"
               "Infomap 默认是不编码穿越步、穿越到边，数值不同（例如 D6：2.623930 对 2.467314 比特）。"
               "马尔可夫时间 t 只放大真实边上的流量（Infomap 2.16 的约定）。原文的搜索只有步骤 1–4；"
               "“层层递进”需要的**聚合**步骤（把模块当作新节点继续移动）来自 2009 年论文与现行 Infomap。"),
        "en": ("**How to read**: node area ∝ visit rate p_α, colour = module, link width ∝ link flow. L(M) = q↶H(Q) + Σ p_i↻H(P^i) "
               "(post eq. 11). The index codebook uses module **entry** rates, module codebooks **exit** rates; they agree for "
               "undirected flow and recorded teleportation (the post writes q_i↷ for both) and differ under Infomap's directed "
               "default (unrecorded teleportation).\n\n"
               "**Erratum**: the post's eq. (8) normalises all symbols, Σq + Σp + Σq = 1, and says normalising does not matter. "
               "But the normaliser 1 + 2q↷ depends on the partition: over all 21,147 partitions of barbell(4,1), L is minimal "
               "for the two K4s plus the bridge node (L = 2.574165), while L/(1+2q) is minimal for a fragmented partition "
               "(L = 3.599059). This page computes L with Σp = 1 and never divides by 1 + 2q.\n\n"
               "**The post's (13)+(15)** is Infomap's 'directed + recorded teleportation + teleport to nodes' (button "
               "'Post / PNAS convention'); Infomap's default (unrecorded, to links) gives other numbers (D6: 2.623930 vs "
               "2.467314 bits). Markov time t scales the flow on real links only (Infomap 2.16). The post lists search steps "
               "1–4; the **aggregation** step that makes it 'layer by layer' (modules become nodes and moves continue) comes "
               "from the 2009 paper and current Infomap."),
    },
    # each view's name in the export menu and `kexue-viz list` (the frame's export_view.<view key>)
    "export_view.network": {"zh": "网络与模块", "en": "The network and its modules"},
    "export_view.decomposition": {"zh": "编码长度分解", "en": "Codelength decomposition"},
    "export_view.trajectory": {"zh": "搜索轨迹：L 随步数", "en": "Search trajectory: L against step"},
    "export_view.index_book": {"zh": "索引码本", "en": "Index codebook"},
    "export_view.module_book": {"zh": "模块码本", "en": "Module codebook"},
    "export_view.modules": {"zh": "模块数随步数", "en": "Number of modules against step"},
    "export_view.hierarchy": {"zh": "模块层次", "en": "Module hierarchy"},
    "export_view.walk": {"zh": "随机游走的两种编码", "en": "One walk, two codes"},
    "export_view.bits": {"zh": "每步平均比特数", "en": "Average bits per step"},
    "export_view.sweep": {"zh": "与真值的 NMI", "en": "NMI against the truth"},
})

UPLOAD_TEXT = TextTable({
    "empty": {"zh": "文件是空的", "en": "the file is empty"},
    "too_large": {"zh": "文件有 {size} 字节，上限 {limit}", "en": "the file has {size} bytes; the limit is {limit}"},
    "not_text": {"zh": "文件不是 UTF-8 文本（是表格或图片吗？）", "en": "the file is not UTF-8 text (is it a spreadsheet or an image?)"},
    "few_columns": {"zh": "第 {line} 行：应为 source, target[, weight]，读到 {found!r}", "en": "line {line}: expected 'source, target[, weight]', found {found!r}"},
    "bad_weight": {"zh": "第 {line} 行：权重 {value!r} 不是数", "en": "line {line}: the weight {value!r} is not a number"},
    "negative_weight": {"zh": "第 {line} 行：权重 {value} 必须有限且 ≥ 0", "en": "line {line}: the weight {value} must be finite and ≥ 0"},
    "no_links": {"zh": "没有权重为正的边", "en": "no link with a positive weight was found"},
    "too_many_nodes": {"zh": "{count} 个节点，上限 {limit}", "en": "{count} nodes; the limit is {limit}"},
    "too_many_links": {"zh": "{count} 条边，上限 {limit}", "en": "{count} links; the limit is {limit}"},
    "pajek_vertices": {"zh": "Pajek：第一行必须是 '*Vertices n'（n 为正整数）", "en": "Pajek: '*Vertices n' must come first, with a whole number n ≥ 1"},
    "pajek_vertex": {"zh": "Pajek 第 {line} 行：节点 {value!r} 不是 1 到 {n} 之间的整数", "en": "Pajek line {line}: vertex {value!r} is not a number between 1 and {n}"},
    "pajek_section": {"zh": "Pajek 第 {line} 行：未知的段 {value!r}（请用 *Arcs 或 *Edges）", "en": "Pajek line {line}: unknown section {value!r} (use *Arcs or *Edges)"},
})
