"""Chinese of the campaign pages (merged into i18n.ZH): their texts, and the campaign kinds, modes, states
and do-not-call reasons the pages show as they are stored."""
from __future__ import annotations

ZH_DIALER: dict[str, str] = {
    "Attempts": "拨打次数", "Campaign": "外呼任务", "Campaigns": "外呼任务", "Contact rate": "接通率",
    "Customer type column": "客户类型列", "Do-not-call list": "免打扰名单", "File (.csv, .txt, .xlsx)": "文件(.csv、.txt、.xlsx)",
    "Flow or queue": "流程或队列", "ID card column": "身份证号列", "ID card number": "身份证号", "Import": "导入",
    "Import a list": "导入名单",
    "Imported {added}; duplicates {duplicates}; rejected {rejected}.": "已导入 {added} 条;重复 {duplicates} 条;拒收 {rejected} 条。",
    "It was on the list already.": "已在名单中。", "Mode": "方式", "Name column": "姓名列", "New campaign": "新建外呼任务",
    "No campaign dials a number or a customer's ID card on this list. Numbers found empty or wrong (SIT) and customers "
    "who ask not to be called are added by the dialer.":
        "任何外呼任务都不会拨打本名单中的号码或身份证号对应的客户。经特殊信息音(SIT)判定为空号、错号的号码,以及要求不再来电的客户,由外呼系统自动加入。",
    "No campaign yet.": "尚无外呼任务。", "Nobody is on the list.": "名单为空。", "Number or ID card": "号码或身份证号",
    "Other columns are kept as the record's fields (a flow reads them as variables).":
        "其余各列作为记录的自定义字段保存(流程中可作为变量读取)。",
    "Outbound campaigns the dialer works: an IVR flow reads each record out (agentless), or agents of a queue take "
    "the answered calls (progressive).":
        "外呼系统执行的外呼任务:由 IVR 流程播报每条记录(自动外呼),或由队列坐席接听已接通的电话(渐进式外呼)。",
    "Pause": "暂停", "Phone columns (comma separated, in the order they are tried)": "号码列(逗号分隔,按拨打顺序)",
    "Priority": "优先级", "Records": "记录数", "Refusals": "拒绝", "Removed.": "已移除。", "Results": "外呼结果",
    "Source": "来源", "Start": "开始",
    "Strategy (JSON: windows per customer type, attempts, intervals, retries)":
        "外呼策略(JSON:各客户类型的呼叫时段、次数、间隔、重拨规则)",
    "Dialling strategy": "外呼策略", "Success": "成功", "Takes effect on the next dial.": "下一次拨打起生效。", "Wrong numbers": "错号",
    "all records": "全部记录", "choose a file": "请选择文件", "duplicate": "重复", "finished": "已完成",
    "phone number": "电话号码", "unfinished": "未完成", "line": "行",
    # kinds, modes, states, reasons
    "survey": "回访调查", "notice": "通知", "dunning": "催缴", "confirmation": "确认", "sales": "营销",
    "agentless": "自动外呼", "progressive": "渐进式外呼",
    "draft": "草稿", "running": "进行中", "paused": "已暂停", "stopped": "已停止",
    "pending": "待拨", "dialing": "拨打中", "done": "已完成", "exhausted": "已用尽", "dnc": "免打扰",
    "sit": "空号/错号", "asked": "客户要求", "manual": "手工添加",
    # rights
    "See outbound campaigns, their results and the do-not-call list": "查看外呼任务、结果和免打扰名单",
    "Create and run campaigns, import lists, edit the do-not-call list": "创建和执行外呼任务、导入名单、维护免打扰名单",
    "Export campaign records": "导出外呼记录",
    # exports, imports, media, reports (h-lists)
    "to fix": "待修正", "Columns (comma separated; empty: all)": "导出列(逗号分隔;留空为全部)",
    "File (.csv, .txt, .xlsx, .docx)": "文件(.csv、.txt、.xlsx、.docx)",
    "Message (SMS, e-mail, fax: ${field} is the record's field)": "消息内容(短信、邮件、传真:${字段} 取记录的字段)",
    "E-mail subject": "邮件主题", "Send results to (e-mail addresses, mobile numbers)": "外呼结果发送给(邮箱、手机号)",
    "Message and results": "消息与结果报送", "Results per day": "每日结果", "Day": "日期",
    "Results report (XLSX)": "结果报表(Excel)", "Records dialled": "已拨打记录", "Records answered": "已接通记录",
    "sms": "短信", "email": "电子邮件", "fax": "传真", "sent": "已发送",
}
