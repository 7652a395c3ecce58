"""The customer file's Chinese messages (merged into i18n.ZH)."""
from __future__ import annotations

ZH_CRM: dict[str, str] = {
    "Customers": "客户", "Open a customer": "开户", "Import": "导入", "Duplicates": "重复客户",
    "Custom fields": "自定义字段", "Name, number, ID number, phone or address": "姓名、客户号、证件号、电话或地址",
    "Class": "客户等级", "Region": "区域", "Status": "状态", "Customer number": "客户号", "Name": "姓名",
    "Phones": "电话", "No customers match.": "没有符合条件的客户。", "Total": "合计",
    "Regular": "普通", "Key account": "大客户", "VIP": "VIP",
    "customer open": "正常", "customer closed": "已销户", "customer merged": "已合并",
    "ID number": "证件号码", "Phones (one a line)": "电话(每行一个)", "Addresses (one a line)": "地址(每行一个)",
    "Phone PIN (digits; empty: unchanged)": "电话密码(数字;留空则不变)", "Open": "打开", "Open the account": "开户",
    "Opened": "开户时间", "Closed": "销户时间", "Queue priority": "排队优先级", "Addresses": "地址",
    "Timeline": "客户时间线", "Kind": "类型", "Summary": "摘要", "Nothing yet.": "暂无记录。",
    "Note": "备注", "Add to the timeline": "加入时间线", "Edit": "编辑", "Save": "保存",
    "Close this customer?": "确定销户?", "Close the customer": "销户", "Reopen": "恢复",
    "The site's own fields of a customer (meter number, plan ...): shown on the customer's page, kept by import "
    "and export.": "本站点自定义的客户字段(表号、套餐等):在客户页面显示,导入导出时保留。",
    "Label": "显示名称", "Position": "顺序", "Remove": "删除", "No custom fields yet.": "尚无自定义字段。",
    "Open customers with the same phone number or ID number. Merging moves the duplicate's phones, addresses and "
    "timeline to the customer kept.": "电话号码或证件号码相同的正常客户。合并会把重复客户的电话、地址和时间线移到保留的客户。",
    "Same phone": "电话相同", "Same ID number": "证件号相同", "Merge into the first customer?": "合并到第一个客户?",
    "Merge into": "合并到", "No duplicates.": "没有重复客户。", "Import customers": "导入客户",
    "A CSV (UTF-8) or Excel (.xlsx) file with a header row. A line whose customer number exists updates that "
    "customer; other lines open new customers. Several phones or addresses in one cell are separated by ;. "
    "Columns named like a field are taken without a mapping.":
        "带表头的 CSV(UTF-8)或 Excel(.xlsx)文件。客户号已存在的行更新该客户,其余行开立新客户。"
        "一个单元格中的多个电话或地址用 ; 分隔。与字段同名的列无需映射。",
    "Updated": "已更新", "Refused lines": "被拒绝的行", "Line": "行", "Why": "原因", "File": "文件",
    "Column mapping (the file's column header for each field; empty: a column of the same name)":
        "列映射(每个字段对应文件中的列名;留空则取同名列)",
    "Not saved": "未保存", "Saved.": "已保存。", "Deleted.": "已删除。", "Not merged": "未合并", "Merged.": "已合并。",
    "Not imported": "未导入", "choose a CSV or XLSX file": "请选择 CSV 或 XLSX 文件",
    "Open the customer file": "打开客户档案", "Open, edit, close, merge and import customers": "开户、编辑、销户、合并和导入客户",
    "Export the customer file (CSV, XLSX)": "导出客户档案(CSV、XLSX)",
    # timeline kinds
    "call": "通话", "ivr": "自助语音", "voicemail": "语音留言", "fax": "传真", "sms": "短信", "email": "电子邮件",
    "work_order": "工单", "survey": "满意度调查", "campaign": "外呼活动", "note": "备注",
    # the desk pop
    "Customer": "客户", "Unknown caller": "未知来电", "Register this caller": "登记此来电客户",
    "Register": "登记", "More customers with this number": "此号码还有其他客户",
    "Open the customer's page": "打开客户页面",
}
