"""The work orders' Chinese messages (merged into i18n.ZH)."""
from __future__ import annotations

ZH_WO: dict[str, str] = {
    "Work orders": "业务单", "work orders": "张业务单", "Work order": "业务单", "New work order": "新建业务单",
    "Work order {id} created.": "业务单 {id} 已创建。", "My crew orders": "我的外勤工单",
    "Work order report": "业务单报表", "number, name, account, text": "号码、姓名、户号、内容",
    "Type": "类型", "Title": "标题", "Priority": "优先级", "Unit": "部门", "Assignee": "处理人",
    "Deadline": "处理时限", "Created": "创建时间", "Account": "户号", "customer": "客户", "Description": "描述",
    "not closed": "未关闭", "overdue": "超时", "escalated": "已督办", "reminded or escalated": "已催办或督办",
    "No work orders match.": "没有符合条件的业务单。", "No order types are configured (workorders.toml).":
        "尚未配置业务单类型(workorders.toml)。", "Choose": "选择", "default": "默认", "Create": "创建",
    "History": "处理记录", "Who": "操作人", "What": "操作", "Note": "备注", "Comment": "意见",
    "Attachments": "附件", "None.": "无。", "Photo or document": "照片或文件", "Upload": "上传",
    "Call or fax number (#)": "通话或传真编号(#)", "Attach": "关联", "recording": "录音", "fax": "传真",
    "photo": "照片", "file": "文件", "SMS to the customer": "发给客户的短信", "sent": "已发送",
    "not sent": "未发送", "waiting": "待发送", "Give the number of the call or the fax.": "请填写通话或传真编号。",
    "Choose a file.": "请选择文件。", "Accept": "接单", "Done": "完成", "What was done": "处理情况",
    "Photo": "照片", "No orders for you now.": "目前没有您的工单。",
    "By type": "按类型", "By unit": "按部门", "Branch comparison": "营业点对比", "Branch": "营业点",
    "Volume": "数量", "Closed": "已关闭", "Overdue rate": "超时率", "Hours to done": "平均完成时长(小时)",
    "Average hours per state": "各状态平均时长(小时)", "still open past the deadline": "超时未完成",
    "Overdue, reminded to you": "超时催办(给您)", "Overdue, escalated to you as the head": "超时督办(您为负责人)",
    "workorders.toml was changed with problems; the last good version stays in use:":
        "workorders.toml 的修改有错误,仍使用上一个正确的版本:",
    # states, priorities, moves and history actions, sources
    "accepted": "已受理", "dispatched": "已派单", "in_progress": "处理中", "done": "已完成", "closed": "已关闭",
    "rejected": "已退回", "reopened": "重新打开",
    "low": "低", "normal": "普通", "high": "高", "urgent": "紧急",
    "dispatch": "派单", "start": "接单", "finish": "完成", "close": "审核关闭", "reject": "退回",
    "reopen": "重新打开", "create": "创建", "comment": "意见", "attach": "附件", "remind": "催办",
    "escalate": "督办", "sms": "短信",
    "console": "控制台", "desk": "坐席工作台", "ivr": "语音导航", "api": "接口", "email": "邮件",
    # rights
    "Open work orders (the user's units', assigned and created ones) and the crew page":
        "查看业务单(本部门、指派给自己及自己创建的)和外勤页面",
    "See every work order (without it: the user's units', assigned and created ones)":
        "查看全部业务单(否则只看本部门、指派给自己及自己创建的)",
    "Create work orders (console, agent desktop, API)": "创建业务单(控制台、坐席工作台、接口)",
    "Dispatch, reject, close and reopen work orders": "派单、退回、审核关闭和重新打开业务单",
}
