"""Chinese and English pages: a small message catalogue keyed by the English text.

The language is the user's own choice (wa_users.language), else the browser's
Accept-Language, else English. Templates call ``_("Call log")``; a message
missing from the catalogue shows in English (tests/webadmin check every
template string is translated).
"""
from __future__ import annotations

from flask import Flask, g, request

LANGUAGES = ("zh", "en")

ZH: dict[str, str] = {
    "Telephonist": "Telephonist 呼叫中心",
    "Log in": "登录", "Log out": "退出", "User name": "用户名", "Password": "密码",
    "Wrong user name or password (after several failed attempts an account is locked for a while).":
        "用户名或密码错误(连续多次失败后账户将被锁定一段时间)。",
    "Too many failed logins from this address; try again in {minutes} minutes.":
        "此地址登录失败次数过多,请 {minutes} 分钟后再试。",
    "This account is disabled.": "此账户已停用。",
    "Your session has ended; please log in again.": "会话已过期,请重新登录。",
    "Call log": "通话记录", "Live board": "实时监控", "Reports": "统计报表", "Users": "用户",
    "Roles": "角色", "API tokens": "API 令牌", "Audit log": "审计日志", "Configuration": "系统配置",
    "Spans and channels": "线路与通道", "Call flows": "呼叫流程", "Prompts": "语音文件", "Voicemail": "语音信箱",
    "Fax": "传真", "coming soon": "即将推出",
    "From": "开始时间", "To": "结束时间", "Number": "号码", "Caller": "主叫", "Dialled": "被叫",
    "Channel": "通道", "Disposition": "结果", "Direction": "方向", "Min. duration (s)": "最短时长(秒)",
    "Max. duration (s)": "最长时长(秒)", "Search": "查询", "Export CSV": "导出 CSV", "Export XLSX": "导出 Excel",
    "Started": "开始", "Ring": "振铃", "Talk": "通话", "Application": "应用", "Recording": "录音",
    "Detail": "详情", "any": "全部", "No calls match.": "没有符合条件的通话。",
    "inbound": "呼入", "outbound": "呼出", "answered": "已接听", "busy": "忙", "no_answer": "无应答",
    "failed": "失败", "abandoned": "放弃", "interrupted": "中断", "open": "进行中",
    "Call": "通话", "Events": "事件", "Time": "时间", "Event": "事件", "Data": "数据",
    "Play": "播放", "Download": "下载", "Answered at": "接听时间", "Ended at": "结束时间",
    "Hang-up cause": "挂机原因", "Trunk group": "中继组", "Call ID": "呼叫编号", "Node": "节点",
    "No recording.": "无录音。", "Previous": "上一页", "Next": "下一页",
    "Channels": "通道", "Calls in progress": "当前通话", "State": "状态", "For": "持续",
    "Owner": "所属应用", "connected to chand": "已连接 chand", "not connected to chand": "未连接 chand",
    "idle": "空闲", "ringing": "振铃", "offered": "分配中", "dialing": "拨号", "proceeding": "呼叫中",
    "up": "通话中", "clearing": "释放中", "blocked": "闭塞",
    "Calls per hour": "每小时话务量", "Calls per day": "每日话务量", "Calls per month": "每月话务量",
    "Period": "周期", "hour": "小时", "day": "日", "month": "月", "Total": "合计", "Missed": "未接",
    "Abandoned": "放弃", "Answered": "接听", "Show": "显示", "Answer rate": "接通率",
    "Username": "用户名", "Role": "角色", "Agent ID": "坐席工号", "Language": "语言", "Active": "启用",
    "Locked until": "锁定至", "Last login": "最近登录", "Save": "保存", "Create": "创建",
    "New user": "新建用户", "New role": "新建角色", "Name": "名称", "Rights": "权限", "Unlock": "解锁",
    "New password (leave empty to keep)": "新密码(留空则不变)", "Edit": "编辑",
    "browser's": "跟随浏览器", "yes": "是", "no": "否", "Revoke": "吊销", "Created": "创建时间",
    "Last used": "最近使用", "Revoked": "已吊销", "New token": "新建令牌",
    "Copy this token now; it is not shown again:": "请立即复制此令牌,之后不再显示:",
    "User": "用户", "Action": "操作", "Target": "对象", "Saved.": "已保存。",
    "You may not open this page.": "您无权访问此页面。", "Not found.": "未找到。",
    "Not built yet: configured in telephonist.toml for now.": "尚未实现:目前请在 telephonist.toml 中配置。",
    "Open the call log": "查看通话记录",
    "See every call (without it: only the user's own calls)": "查看全部通话(否则只能查看本人通话)",
    "Export call records (CSV, XLSX)": "导出通话记录(CSV、Excel)", "Listen to recordings": "收听录音",
    "Download recordings": "下载录音", "Watch the live board": "查看实时监控", "Place calls": "发起呼叫",
    "Open reports": "查看报表", "See the configuration pages": "查看配置页面",
    "Manage users, roles and API tokens": "管理用户、角色和 API 令牌", "Read the audit log": "查看审计日志",
    "Place a call": "发起呼叫", "Dial": "拨打", "Hand over to (app:NAME, queue:NAME ...)": "接通后转给(app:名称、queue:名称 ...)",
    "Call placed on": "已发起呼叫,通道", "Bad request": "请求无效",
    # configuration pages
    "Trunk groups and routing": "中继组与路由", "Trunk groups": "中继组", "Routes of inbound calls": "呼入路由",
    "Schedules": "工作时间表", "Holidays": "节假日", "Voicemail boxes": "语音信箱", "Blacklist": "黑名单",
    "VIP list": "VIP 名单", "Fax documents": "传真文档", "Inbox": "收件箱", "Faxes": "传真",
    "Span": "线路", "Driver": "驱动", "Type": "类型", "Busy": "占用", "Blocked": "闭塞", "Alarms": "告警",
    "no alarm": "无告警", "No spans: chand is not connected.": "没有线路信息:未连接 chand。",
    "Spans and their signalling are set in telephonist.toml by the system administrator; this page shows chand's view of them now.":
        "线路及其信令由系统管理员在 telephonist.toml 中配置;本页显示 chand 当前看到的状态。",
    "Hunting": "选线方式", "Lines": "线路", "Caller ID": "主叫号码", "Max. calls": "最大呼叫数", "Delete": "删除",
    "Order": "顺序", "Goes to": "转到", "Apply": "应用", "Applied.": "已应用。", "Kept in": "保存在",
    "Record whole calls": "全程录音", "as for every call": "同所有来电",
    "Record every inbound call whole (a route may say otherwise)": "所有来电全程录音(路由可另行设定)",
    "Needs a restart of chand": "需要重启 chand",
    "not written yet: the rows below come from": "尚未写入:以下内容来自",
    "Applying writes that file and asks chand to reload; calls in progress are not touched.":
        "应用时写入该文件并让 chand 重新加载;进行中的通话不受影响。",
    "A later file sets these lists too and wins:": "后面的配置文件也设置了这些项目并会覆盖本页:",
    "A later conf.d file sets trunk groups or routes too; it would win over this page. Remove them there first.":
        "conf.d 中更靠后的文件也设置了中继组或路由,会覆盖本页的设置。请先从该文件中删除。",
    "The configuration files have problems:": "配置文件有错误:",
    "The web admin runs without telephonist.toml: routing cannot be changed here.":
        "网页管理未使用 telephonist.toml 启动:无法在此修改路由。",
    "Lines: span/*, span/1-4 or span/3, separated by spaces. Spans:": "线路:span/*、span/1-4 或 span/3,以空格分隔。现有线路:",
    "The first route that matches takes the call. Patterns: 400800* (a prefix) or a whole number; empty matches any.":
        "按顺序匹配,第一条符合的路由接收呼叫。号码格式:400800*(前缀)或完整号码;留空表示任意。",
    "Calls no route takes go to": "未匹配任何路由的呼叫转到", "Calls with a fax tone go to": "检测到传真音的呼叫转到",
    "Not applied: the configuration has problems (see below).": "未应用:配置有错误(见下)。",
    "chand refused the change; the running configuration stays.": "chand 拒绝了此修改;继续使用当前运行的配置。",
    "Saved, but chand is not reachable: it applies the file when it starts or on `telephonist reload`.":
        "已保存,但无法连接 chand:它将在启动时或执行 `telephonist reload` 时应用该文件。",
    "Call flow": "呼叫流程", "File": "文件", "Flow": "流程", "Numbers": "号码", "Description": "说明", "Nodes": "节点数",
    "Changed": "修改时间", "Files in": "文件位于", "No flows yet.": "还没有流程。", "none yet": "暂无",
    "Schedules (opening hours) the flows use": "流程使用的工作时间表",
    "ivrd loads a changed file within a few seconds; calls in progress keep the flow they started with.":
        "ivrd 会在几秒内加载修改过的文件;进行中的通话继续使用原来的流程。",
    "The folder does not exist yet; it is made when the first flow is applied.": "目录尚不存在;应用第一个流程时会自动创建。",
    "ivrd refuses the files as they are now (it keeps the flows it runs):": "ivrd 不接受当前的文件(继续运行原有流程):",
    "New flow (file name)": "新建流程(文件名)", "Upload a flow file (checked before it is applied)": "上传流程文件(应用前会检查)",
    "Upload": "上传", "new": "新", "Problems in this file:": "本文件中的错误:", "Problems with the other files:": "与其他文件相关的错误:",
    "line": "第", "No problems found.": "检查通过,没有发现错误。", "Check": "检查",
    "Not applied: fix the problems first; the running flows stay as they are.": "未应用:请先改正错误;正在运行的流程保持不变。",
    "Applied: ivrd loads the new version within a few seconds; calls in progress are not dropped.":
        "已应用:ivrd 将在几秒内加载新版本;进行中的通话不会中断。",
    "Choose a file.": "请选择文件。", "A flow file is UTF-8 text.": "流程文件必须是 UTF-8 文本。",
    "A flow's file name is letters, digits, _ and - (it ends in .toml).": "流程文件名只能包含字母、数字、_ 和 -(以 .toml 结尾)。",
    "Prompt": "语音文件", "Format": "格式", "Length": "时长", "Folder": "目录", "(top)": "(根目录)",
    "Name (without .wav)": "名称(不含 .wav)", "File (WAV or MP3)": "文件(WAV 或 MP3)", "replace": "覆盖",
    "Record in the browser": "在浏览器中录音", "Record": "录音", "Stop": "停止", "Save recording": "保存录音",
    "Uses this computer's microphone; the recording is sent with the folder and name of the upload form.":
        "使用本机麦克风;录音按上传表单中的目录和名称保存。",
    "Uploads (WAV or MP3) and recordings are converted to 8 kHz mono, as chand plays them.":
        "上传的文件(WAV 或 MP3)和录音会被转换为 8 kHz 单声道,供 chand 播放。",
    "chand cannot play it": "chand 无法播放", "No prompts yet.": "还没有语音文件。", "Saved as": "已保存为",
    "Not saved": "未保存", "Not deleted: used by": "未删除:正在被以下流程使用", "Deleted.": "已删除。",
    "recording…": "录音中…", "preparing…": "处理中…", "ready to save": "可以保存", "no microphone": "没有可用的麦克风",
    "Callers on this list are turned away by the flows' blacklist check; an entry ends by itself when it expires.":
        "名单中的来电会被流程的黑名单检查拒绝;到期后条目自动失效。",
    "Number (a prefix ends in *)": "号码(前缀以 * 结尾)", "Reason": "原因", "5 minutes": "5 分钟", "30 minutes": "30 分钟",
    "for good": "永久", "until …": "直到 …", "Until": "截止时间", "Add": "添加", "Expires": "到期", "Added by": "添加人",
    "Added": "添加时间", "expired": "已过期", "Remove": "移除", "Nobody is blacklisted.": "黑名单为空。",
    "Remove the expired entries": "移除已过期条目",
    "A caller whose number is listed, or whose customer class a lookup returns, is treated as a VIP by the flows (and may go to a target of its own).":
        "号码在名单中,或查询结果的客户等级在名单中的来电,流程会按 VIP 处理(可转到专属目标)。",
    "or customer class": "或客户等级", "Goes to (optional)": "转到(可选)", "Customer class": "客户等级",
    "No VIPs yet.": "VIP 名单为空。",
    "Days that override the schedules' week and calendar: an extra closure (holiday) or an extra working day (workday). Statutory holidays come from each schedule's calendar.":
        "覆盖工作时间表的日期:额外休息日(节假日)或额外工作日。法定节假日由各时间表的日历提供。",
    "Day": "日期", "to (optional)": "至(可选)", "Kind": "类型", "Schedule": "时间表", "every schedule": "所有时间表",
    "Hide past days": "隐藏过去的日期", "Show past days": "显示过去的日期", "No holidays listed.": "没有设置节假日。",
    "holiday": "休息日", "workday": "工作日",
    "An agent's own box is the one numbered as the agent's ID; the agent sees its messages in the inbox.":
        "坐席的个人信箱号码与坐席工号相同;坐席可在收件箱中查看其留言。",
    "Mailbox": "信箱", "E-mail": "电子邮件", "SMS": "短信", "Longest message (s)": "最长留言(秒)", "Messages": "留言",
    "PIN": "密码", "locked": "已锁定", "wrong": "次错误", "new PIN": "新密码", "Reset PIN": "重置密码",
    "No voicemail boxes yet.": "还没有语音信箱。", "New voicemail box": "新建语音信箱",
    "PIN reset; the mailbox is unlocked.": "密码已重置,信箱已解锁。",
    "Documents callers get by fax on demand, each named by the number they key in.": "传真点播的文档,以来电者按键输入的编号命名。",
    "[faxd] documents_dir is not set in telephonist.toml.": "telephonist.toml 中未设置 [faxd] documents_dir。",
    "File (PDF, TIFF or text)": "文件(PDF、TIFF 或文本)", "Size": "大小", "No documents yet.": "还没有文档。", "pages": "页",
    # inbox
    "Category": "分类", "Handled": "处理", "not yet": "未处理", "handled": "已处理", "Received": "接收时间",
    "No messages match.": "没有符合条件的留言。", "unknown caller": "未知来电", "Message": "留言", "heard": "已收听",
    "The audio file is missing.": "音频文件缺失。", "Classify": "分类", "Handled by": "处理人",
    "Mark as not handled": "标记为未处理", "Not handled yet.": "尚未处理。", "Mark handled": "标记为已处理",
    "Forward by e-mail to": "通过邮件转发给", "Note": "附言", "Forward": "转发", "Not sent": "未发送",
    "Sent to": "已发送至", "an e-mail address like name@example.com": "请填写邮件地址,如 name@example.com",
    "complaint": "投诉", "suggestion": "建议", "other": "其他", "saved": "已保存", "deleted": "已删除",
    "Result": "结果", "went through": "成功", "Station": "传真标识", "Pages": "页数", "No faxes match.": "没有符合条件的传真。",
    "No PDF of this fax.": "此传真没有 PDF。", "E-mailed to": "已邮件发送至", "unknown": "未知",
    # reports
    "Calls": "话务量", "IVR self-service use": "IVR 自助服务使用", "IVR outcomes": "IVR 去向", "Fax traffic": "传真流量",
    "Satisfaction by agent": "坐席满意度", "Agent": "坐席", "Nothing in this period.": "此期间没有数据。",
    "caller hung up": "来电挂机", "to a queue": "转队列", "to an extension": "转分机", "to an outside number": "转外线",
    "voicemail": "语音留言", "fax": "传真", "fallback": "故障转移", "still in the IVR": "仍在 IVR 中",
    "satisfied": "满意", "neutral": "一般", "dissatisfied": "不满意", "received": "接收成功",
    "failed to receive": "接收失败", "sent": "发送成功", "failed to send": "发送失败",
    # rights
    "Change trunk groups and routing (applied to chand)": "修改中继组和路由(应用到 chand)",
    "Change call flows, schedules and prompts": "修改呼叫流程、工作时间表和语音文件",
    "Change the blacklist, VIP list and holidays": "修改黑名单、VIP 名单和节假日",
    "Manage voicemail boxes (PINs, notifications)": "管理语音信箱(密码、通知)",
    "Manage the documents of fax on demand": "管理传真点播文档",
    "Open the voicemail and fax inbox (classify, mark handled)": "打开语音留言和传真收件箱(分类、标记处理)",
    "See every mailbox and fax (without it: only the voicemail box numbered as the user's agent ID)":
        "查看所有信箱和传真(否则只能查看与本人坐席工号相同的语音信箱)",
    "Listen to and download voicemail, view and download faxes, forward them by e-mail":
        "收听和下载语音留言、查看和下载传真、通过邮件转发",
    "Change queues and agents (applied to the ACD)": "修改队列和坐席(应用到 ACD)",
    "Queues and agents": "队列与坐席", "Queues": "队列", "Agents": "坐席", "Queue": "队列",
    "Strategy": "分配策略", "Skills": "技能", "Max. wait": "最长等待", "Then": "超时后",
    "Service level": "服务水平", "Extension": "分机", "No queue yet.": "还没有队列。", "No agent yet.": "还没有坐席。",
    "The web admin runs without telephonist.toml: queues cannot be changed here.":
        "网页管理未使用 telephonist.toml 运行:此处不能修改队列。",
    "not written yet: the text below comes from": "尚未写入:下面的内容来自",
    "Applying writes that file and asks the ACD to reload: waiting callers keep their places, calls in progress go on.":
        "应用时写入该文件并让 ACD 重新加载:排队的来电保持原位,进行中的通话不受影响。",
    "The keys are those of docs/acd.md.": "各项配置的含义见 docs/acd.md。",
    "A later file sets these tables too and wins:": "后面的配置文件也设置了这些表并会覆盖本页:",
    "A later conf.d file sets queues or agents too; it would win over this page. Remove them there first.":
        "后面的 conf.d 文件也设置了队列或坐席,会覆盖本页。请先在那里删除。",
    "Not applied: fix the problems first; the running queues stay as they are.":
        "未应用:请先改正错误;正在运行的队列保持不变。",
    "Saved, but chand is not reachable: the ACD reads the file when it starts or on `systemctl reload telephonist-acd`.":
        "已保存,但无法连接 chand:ACD 会在启动时或执行 `systemctl reload telephonist-acd` 时读取该文件。",
    "Saved, but the ACD is not running: it reads the file when it starts.": "已保存,但 ACD 未运行:它启动时会读取该文件。",
    "The ACD refused the change; the running queues stay.": "ACD 拒绝了此修改;正在运行的队列保持不变。",
    "Applied: waiting callers keep their places and calls in progress go on.": "已应用:排队的来电保持原位,进行中的通话不受影响。",
    # the agent desktop
    "Agent desktop": "坐席工作台", "Use the agent desktop (as the user's own agent ID only)": "使用坐席工作台(仅限本人坐席工号)",
    "Your user has no agent ID, so there is no agent for you to be here. An administrator gives you one on the Users page (the agent number of docs/acd.md).":
        "您的用户没有坐席工号,因此无法使用坐席工作台。请管理员在“用户”页面为您设置坐席工号(即 docs/acd.md 中的坐席号码)。",
    "The ACD has no agent {agent}: ask an administrator (Configuration › Queues and agents).":
        "ACD 中没有坐席 {agent}:请联系管理员(系统配置 › 队列与坐席)。",
    "The ACD cannot be reached now ({error}); the page connects by itself when it can.":
        "暂时无法连接 ACD({error});页面会在可用时自动重新连接。",
    "Sign in": "签入", "Sign out": "签出", "Wrap-up note": "备注", "Ready": "就绪", "Not ready": "未就绪", "Wrap-up": "话后处理", "End wrap-up": "结束话后处理",
    "No call. The caller's details show here when a call is offered.": "当前没有通话。来电分配时,这里会显示来电者信息。",
    "Hold": "保持", "Resume": "恢复", "Hang up": "挂断", "Transfer or consult to": "转接或咨询给", "choose …": "请选择 …",
    "Transfer": "转接", "Consult": "咨询", "To the survey": "转满意度调查", "IVR step": "转IVR验证",
    "The caller keys a PIN or an ID number in ivr:FLOW and comes back to you": "客户在 ivr:流程 中输入密码或证件号后回到您这里",
    "The caller is in the IVR step": "客户正在IVR验证中", "Back from the IVR step": "客户已从IVR验证返回",
    "The caller hung up in the IVR step": "客户在IVR验证中挂机", "The IVR step failed:": "IVR验证失败：", "Complete transfer": "完成转接",
    "Conference": "三方通话", "Back to the caller": "返回来电者", "Pick up a colleague's ringing call": "代接同事正在振铃的来电",
    "Your phone rings: lift the handset to answer.": "电话正在振铃:请拿起话机接听。",
    "Softphone": "网页电话", "softphone off": "未启用", "Headset volume": "耳机音量",
    "Call us": "致电我们", "Call our hotline from your browser: it needs your microphone.": "在浏览器中拨打我们的热线:需要使用您的麦克风。",
    "not connected": "未接通", "Call now": "立即拨打", "calling": "正在呼叫", "call ended": "通话已结束",
    "the call failed": "呼叫失败",
    "Call me back": "请给我回电",
    "Leave your number: we call you back when it is your turn, and you keep your place in line.":
        "留下您的号码:轮到您时我们给您回电,您的排队位置保持不变。",
    "Your phone number": "您的电话号码", "What is it about?": "咨询事项",
    "Cancel the call back": "取消回电",
    "You are number {position} in line: we will call you.": "您排在第 {position} 位:我们会给您回电。",
    "We are calling you now.": "我们正在给您打电话。",
    "We could not reach you; we will try again shortly.": "未能接通您的电话,我们稍后会再试。",
    "We called you. Thank you!": "已为您回电,谢谢!", "We could not reach you.": "未能接通您的电话。",
    "Your call back is cancelled.": "您的回电请求已取消。", "We cannot take this request:": "无法受理此请求:",
    "connecting": "正在连接", "ready for calls": "可接来电", "not registered": "未注册", "a call rings": "来电振铃",
    "in a call": "通话中", "Pick up": "代接", "Waiting in my queues": "我的队列中排队的来电", "Wait": "等待",
    "logged out": "已签出", "not ready": "未就绪", "ready": "就绪", "reserved": "预占", "on call": "通话中",
    "on hold": "保持中", "wrap-up": "话后处理", "(none)": "(无)",
    "break": "休息", "meal": "用餐", "training": "培训", "meeting": "会议", "missed": "未接",
    "Account": "账号", "Verified": "已验证", "Menu path": "菜单路径", "Open in the CRM": "在 CRM 中打开",
    "Earlier calls": "历史来电", "Date": "日期", "No earlier calls from this number.": "此号码没有历史来电。",
    "Voicemails and faxes from this number": "此号码的语音留言和传真", "timeout": "超时", "callback": "回呼", "moved": "转出",
    # the queue and agent reports
    "Per": "统计粒度", "15min": "15 分钟", "Per interval": "分时段", "Interval": "时段", "Dispositions": "处理结果",
    "none given": "未填写", "Your own figures only.": "仅显示您本人的数据。", "Not ready by reason": "各原因示忙时长",
    "Offered": "进入队列", "Abandoned within 5 s": "5 秒内放弃", "Average wait (s)": "平均等待(秒)",
    "90th percentile wait (s)": "90% 等待(秒)", "Longest wait (s)": "最长等待(秒)",
    "Average handle time (s)": "平均处理时长(秒)", "Logged in": "签入时长",
    "Calls answered": "接听数", "Calls made": "外呼数",
    "Average handle time": "平均处理时长", "Occupancy": "占用率", "Survey answers": "评价数", "Ringing": "振铃",
    "Outbound": "外呼",
    # the agent desktop: persistent lines, calls out, keys, chosen callers, messages
    "Answer": "接听", "Keys to the caller": "向来电方发送按键", "Send": "发送", "Call out": "外呼", "Take": "接起",
    "everyone": "所有人", "The number did not answer or was busy:": "对方无应答或忙:",
    "persistent line open": "常连线路已接通", "persistent line: lift the handset": "常连线路:请拿起话机",
    "Message sent.": "消息已发送。", "Call back": "回拨", "Persistent line": "常连线路", "One minute more": "延长一分钟",
    "The phone rings once now; keep the handset on: calls come without ringing.": "签入时电话响一次,接起后保持通话:来电直接接入,不再振铃。",
    # the supervisor page and the wallboard
    "Supervisor": "班长监控", "Wallboard": "大屏看板", "connecting …": "正在连接 …", "My phone (extension)": "我的电话(分机)",
    "Not-ready reason": "示忙原因", "Waiting": "排队", "Longest wait": "最长等待",
    "Service level today": "今日服务水平", "Service level, last 15 min": "近 15 分钟服务水平", "Last 15 min": "近 15 分钟",
    "Average speed of answer": "平均应答速度",
    "Since": "持续", "Calls today": "今日接听",
    "Actions": "操作", "Listen": "监听", "Whisper": "耳语", "Barge in": "强插",
    "Asked: {action} for agent {agent}.": "已请求:坐席 {agent} {action}。",
    "Type the extension of your phone first.": "请先输入您电话的分机号。",
    "Ready / on call / not ready": "就绪 / 通话 / 未就绪",
    "Use the supervisor page: listen, coach, barge in, force agents' states": "使用班长监控页:监听、耳语、强插、强制坐席状态",
    "Watch the wallboard (the queues' figures, no controls)": "查看大屏看板(队列数据,无操作)",
}

from telephonist.webadmin.i18n_quality import ZH as _QUALITY_ZH  # noqa: E402  (each area keeps its own messages)

ZH.update(_QUALITY_ZH)
CATALOGUES = {"zh": ZH, "en": {}}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["_"] = gettext
    app.jinja_env.globals["lang"] = current_language


def current_language() -> str:
    if "lang" in g:
        return g.lang
    user = g.get("user")
    lang = user.language if user is not None and user.language in LANGUAGES else None
    if lang is None:
        lang = request.accept_languages.best_match(LANGUAGES, default="en") if request else "en"
    g.lang = lang
    return lang


def gettext(text: str) -> str:
    return CATALOGUES.get(current_language(), {}).get(text, text)

from telephonist.webadmin.i18n_crm import ZH_CRM  # noqa: E402  (the customer file)
ZH.update({k: v for k, v in ZH_CRM.items() if k not in ZH})
from telephonist.webadmin.i18n_wo import ZH_WO  # noqa: E402  (work orders)
ZH.update({k: v for k, v in ZH_WO.items() if k not in ZH})
from telephonist.webadmin.i18n_kb import ZH_KB  # noqa: E402  (knowledge base, notices, shifts)
ZH.update({k: v for k, v in ZH_KB.items() if k not in ZH})
from telephonist.webadmin.i18n_dialer import ZH_DIALER  # noqa: E402  (the campaign pages' own catalogue)
ZH.update({k: v for k, v in ZH_DIALER.items() if k not in ZH})
from telephonist.webadmin.i18n_scripts import ZH_SCRIPTS  # noqa: E402  (preview, call scripts, the desk's campaign panel)
ZH.update({k: v for k, v in ZH_SCRIPTS.items() if k not in ZH})
from telephonist.webadmin.i18n_pred import ZH_PRED  # noqa: E402  (predictive campaigns)
ZH.update({k: v for k, v in ZH_PRED.items() if k not in ZH})
from telephonist.webadmin.i18n_conf import ZH_CONF  # noqa: E402  (the Conferences page)
ZH.update({k: v for k, v in ZH_CONF.items() if k not in ZH})
from telephonist.webadmin.i18n_chat import ZH_CHAT  # noqa: E402  (web chat: the website's page, the desk's panels)
ZH.update({k: v for k, v in ZH_CHAT.items() if k not in ZH})
