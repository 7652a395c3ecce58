"""Chinese of the preview assignment page, the call script pages and the desk's campaign panel (merged into
i18n.ZH)."""
from __future__ import annotations

ZH_SCRIPTS: dict[str, str] = {
    "Questions flagged by agents": "坐席标记给主管的问题", "Question": "问题",
    "Assign records": "分配记录", "Agent": "坐席", "Records per state": "各状态记录数", "nobody": "未分配",
    "Agents (numbers, comma separated)": "坐席(工号,逗号分隔)", "Records per agent": "每名坐席记录数",
    "Share out unassigned records": "分配未分配的记录", "Script": "话术", "none": "无",
    "Assign the chosen records": "分配所选记录", "Take them back": "收回", "Phone": "电话", "State": "状态",
    "Call back at": "预约回呼时间", "Result": "结果", "{n} records moved.": "已调整 {n} 条记录。",
    "choose records": "请选择记录", "an agent number is 1-32 letters, digits, '.', '_' or '-'": "坐席工号为 1-32 位字母、数字、'.'、'_' 或 '-'",
    "Preview: each agent's desk lists the records given to it; the agent sees the record and its history, then dials.":
        "预览式外呼:每名坐席的工作台列出分配给他的记录;坐席查看记录及其历史后再拨打。",
    "Call scripts": "话术脚本", "Call script": "话术脚本", "New script": "新建话术", "Import a script": "导入话术",
    "Description": "说明", "Version": "版本", "Changed by": "修改人", "Changed": "修改时间", "No script found.": "未找到话术。",
    "free text": "自由回答", "File (.txt, .csv, .xlsx, .docx: its first table)": "文件(.txt、.csv、.xlsx、.docx:取第一个表格)",
    "the file is larger than 5 MB": "文件超过 5 MB",
    "Saved: agents get this version on their next record.": "已保存:坐席从下一条记录起使用此版本。",
    "Saving makes a new version: agents get it on their next record; calls under way keep theirs.":
        "保存即生成新版本:坐席从下一条记录起使用;进行中的通话仍用原版本。",
    "A script is questions in order, one row per answer choice: id | question | field | answer | next | result. A row "
    "with an id starts a question; a row without adds a choice; without a next, the following question comes; next = "
    "end ends it.":
        "话术由按顺序排列的问题组成,每个答案选项占一行:编号 | 问题 | 字段 | 答案 | 下一题 | 结果。有编号的行开始一个问题;"
        "无编号的行为上一问题增加选项;未填下一题则进入后一个问题;下一题填 end 则结束。",
    "preview": "预览式外呼",
    # the desk's campaign panel
    "My campaign records": "我的外呼记录", "Dial": "拨打", "Outcome": "结果代码", "Set outcome": "提交结果",
    "Pause script": "暂停话术", "Resume script": "继续话术", "Flag to managers": "提交主管", "History": "历史",
    "Appointment due": "预约已到", "Script ended.": "话术已结束。", "Answers so far": "已回答",
}
