"""The words of batch runs, what-if and advice, in English and Simplified Chinese.

A small table kept beside the code rather than gettext catalogues: the messages are few, each
is written in both languages where it is defined (so neither can be forgotten, and a test checks
every id has both), and the report's template reads the same table.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, tuple[str, str]] = {
    # outcomes
    "originating": ("originating", "原产"),
    "not_originating": ("not originating", "非原产"),
    "undecidable": ("undecidable", "无法判定"),
    "error": ("error (not read or decided)", "错误（未能读取或判定）"),
    # reason codes (batch/_results.py REASONS), each with its article
    "reason.not_in_force": ("Agreement not in force for a Party", "协定对一方尚未生效"),
    "reason.not_direct_consignment": ("not directly consigned", "不符合直接运输"),
    "reason.wholly_obtained_claim_fails": (
        "wholly obtained claim contradicted by the BOM",
        "完全获得的主张与物料清单不符",
    ),
    "reason.ctc_not_met": ("change in tariff classification not met", "未满足税则归类改变"),
    "reason.de_minimis_exceeded": ("de minimis exceeded", "超过微小含量"),
    "reason.rvc_below_threshold": (
        "regional value content below the threshold",
        "区域价值成分低于门槛",
    ),
    "reason.no_chemical_reaction": ("no chemical reaction in a Party", "未在成员方发生化学反应"),
    "reason.wholly_obtained_required": (
        "the rule requires a wholly obtained good",
        "规则要求完全获得",
    ),
    "reason.minimal_operations_only": ("only minimal operations", "仅为微小加工或处理"),
    "reason.rule_not_in_catalogue": ("rule not in the catalogue", "规则库中无该产品特定原产地规则"),
    "reason.value_missing": ("a value is missing", "缺少价值"),
    "reason.hs_code_missing": ("a material's HS code is missing", "缺少材料的HS编码"),
    "reason.production_steps_missing": ("production steps not declared", "未申报生产工序"),
    "reason.entry_into_force_unknown": ("entry into force not known", "生效日期未知"),
    "reason.customs_control_unknown": (
        "customs control in transit not declared",
        "未申报过境海关监管",
    ),
    "reason.other_fact_missing": ("another fact is missing", "缺少其他事实"),
    # batch
    "batch.progress": ("Deciding", "正在判定"),
    "batch.decided": (
        "Decided {decided} declarations ({lines} BOM lines) in {seconds} s: {rate} BOM lines/s "
        "on {where}.",
        "已判定 {decided} 份申报（{lines} 行物料），用时 {seconds} 秒：每秒 {rate} 行，运行于 {where}。",
    ),
    "batch.kept": (
        "{kept} kept from the earlier results (same inputs, rule set and engine).",
        "{kept} 份沿用先前结果（输入、规则集和引擎均相同）。",
    ),
    "where.local": ("{n} local process(es)", "{n} 个本地进程"),
    "where.dask": (
        "Dask {address} ({workers} worker(s), {threads} thread(s))",
        "Dask {address}（{workers} 个工作进程，{threads} 个线程）",
    ),
    "batch.counts": ("Declarations by outcome", "按结果统计的申报"),
    "batch.reasons": ("Top reasons for not originating", "非原产的主要原因"),
    "batch.undecidable_reasons": ("Why undecidable", "无法判定的原因"),
    "batch.errors": ("Declarations in error", "出错的申报"),
    "batch.written": ("Results: {results}\nReport: {report}", "结果：{results}\n报告：{report}"),
    "batch.ruleset": ("Rule set {version}", "规则集 {version}"),
    "batch.cluster": ("cluster unavailable", "集群不可用"),
    "batch.bad_input": ("bad input", "输入有误"),
    # report
    "report.title": ("RCEP origin: batch report", "RCEP原产地：批量判定报告"),
    "report.run": ("The run", "本次运行"),
    "report.input": ("Input", "输入"),
    "report.results": ("Results file", "结果文件"),
    "report.started": ("Written", "生成时间"),
    "report.ruleset": ("Rule set", "规则集"),
    "report.where": ("Where", "运行环境"),
    "report.throughput": ("Throughput", "吞吐量"),
    "report.throughput_value": (
        "{decided} declarations, {lines} BOM lines in {seconds} s ({rate} lines/s); {kept} kept "
        "from an earlier run",
        "{decided} 份申报，{lines} 行物料，用时 {seconds} 秒（每秒 {rate} 行）；{kept} 份沿用先前结果",
    ),
    "report.outcomes": ("Outcomes", "判定结果"),
    "report.rvc": ("Regional value content (Art. 3.5)", "区域价值成分（第3.5条）"),
    "report.rvc_note": (
        "Goods whose RVC was computed, by RVC in per cent; the dashed line is each threshold.",
        "已计算区域价值成分的货物，按百分比分布；虚线为门槛。",
    ),
    "report.rvc_axis": ("RVC (%)", "区域价值成分（%）"),
    "report.goods": ("goods", "货物"),
    "report.closest": ("Closest to the threshold", "最接近门槛的货物"),
    "report.closest_note": (
        "The goods whose RVC is nearest its threshold, on either side: a small change in a price "
        "or a supplier moves them across (see rcep-origin whatif and advise).",
        "区域价值成分最接近门槛的货物（门槛上下）：价格或供应商的小变动即可能改变结果（参见 rcep-origin whatif 与 advise）。",
    ),
    "report.reasons": ("Reasons", "原因"),
    "report.declaration": ("Declaration", "申报"),
    "report.outcome": ("Outcome", "结果"),
    "report.criterion": ("Criterion", "原产地标准"),
    "report.rvc_percent": ("RVC %", "区域价值成分 %"),
    "report.margin": ("Margin", "差额"),
    "report.country": ("RCEP country of origin", "RCEP原产国"),
    "report.error": ("Error", "错误"),
    "report.count": ("Count", "数量"),
    "report.none": ("None.", "无。"),
    "report.other_language": ("中文版", "English"),
    "report.footer": (
        "Every verdict cites its articles in the results file (summary) and can be re-run "
        "with rcep-origin determine: inputs_sha256, ruleset_version and engine_version identify it.",
        "每项判定的条款依据见结果文件（summary 列），并可用 rcep-origin determine 重现：inputs_sha256、ruleset_version 和 engine_version 标识该判定。",
    ),
    # what-if
    "whatif.title": ("What if: {changes}", "假设分析：{changes}"),
    "whatif.before": ("as declared", "原申报"),
    "whatif.after": ("with the changes", "变更后"),
    "whatif.verdict": ("verdict", "判定"),
    "whatif.criterion": ("criterion", "原产地标准"),
    "whatif.rvc": ("RVC % (Art. 3.5)", "区域价值成分 %（第3.5条）"),
    "whatif.margin": ("margin, points", "差额（百分点）"),
    "whatif.vnm": ("non-originating value (VNM)", "非原产材料价值（VNM）"),
    "whatif.landed": ("landed cost of the materials", "材料到岸成本"),
    "whatif.country": ("RCEP country of origin (Art. 2.6)", "RCEP原产国（第2.6条）"),
    "whatif.changed": ("changed", "已改变"),
    "whatif.unchanged": ("unchanged", "未改变"),
    "whatif.summary_kept": ("Origin is kept: {summary}", "保持原产：{summary}"),
    "whatif.summary_lost": ("Origin is lost: {summary}", "失去原产资格：{summary}"),
    "whatif.summary_gained": ("Origin is gained: {summary}", "获得原产资格：{summary}"),
    "whatif.summary_same": ("The verdict is the same: {summary}", "判定不变：{summary}"),
    # advice
    "advise.originating": (
        "Already originating: {summary} Nothing to change.",
        "已是原产货物：{summary} 无需更改。",
    ),
    "advise.cannot": (
        "No sourcing change can make it originate: {why}",
        "任何采购变更都无法使其原产：{why}",
    ),
    "advise.none": (
        "No combination of the alternatives given (at most {max} changes) makes it originate.",
        "在所给替代方案中（最多 {max} 项变更），没有能使其原产的组合。",
    ),
    "advise.option": (
        "Option {n}: {count} change(s), added cost {cost} {currency} -> {verdict}",
        "方案 {n}：{count} 项变更，增加成本 {cost} {currency} -> {verdict}",
    ),
    "advise.quote": (
        "buy {material} from {supplier} ({party}, {origin}) at {value} {currency} "
        "instead of {old} {currency}",
        "{material} 改从 {supplier}（{party}，{origin}）采购，价格 {value} {currency}，原为 {old} {currency}",
    ),
    "advise.declaration": (
        "obtain a supplier's declaration that {material} originates in {party} (from {supplier})",
        "向 {supplier} 取得 {material} 原产于 {party} 的供应商声明",
    ),
    "advise.originating_word": ("originating", "原产"),
    "advise.non_originating_word": ("non-originating", "非原产"),
    "advise.checked": (
        "Each option was checked by determining the changed declaration; none relies on a "
        "change the rule does not accept.",
        "每个方案均已通过对变更后的申报重新判定加以验证；不依赖规则不接受的变更。",
    ),
}


def resolve(lang: str | None) -> str:
    """ "zh", "zh_CN.UTF-8", "zh-Hans" give "zh"; anything else "en"."""
    if not lang:
        return "en"
    return "zh" if lang.replace("-", "_").split("_")[0].split(".")[0].lower() == "zh" else "en"


def text(lang: str, message_id: str, **params: Any) -> str:
    en, zh = MESSAGES[message_id]
    template = zh if lang == "zh" else en
    return template.format(**params) if params else template
