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
    "Wrong user name or password.": "用户名或密码错误。",
    "This account is locked after too many failed attempts; try again later.": "登录失败次数过多,账户已锁定,请稍后再试。",
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
}

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
