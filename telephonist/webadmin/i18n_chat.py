"""Chinese for the web chat: the website's chat page and the agent desktop's chat panels (webchat/)."""
from __future__ import annotations

ZH_CHAT: dict[str, str] = {
    "Chat with us": "在线咨询", "Your name": "您的姓名", "E-mail": "电子邮件", "Phone": "电话",
    "Your question": "您的问题", "Start the chat": "开始咨询", "Message": "消息", "Send": "发送",
    "End the chat": "结束对话", "Chats": "在线对话", "Accept the chat": "接受对话", "You": "您",
    "Agent": "坐席", "Customer": "客户", "Chat": "对话",
    "Please wait: you are number {position} in line.": "请稍候:您前面排在第 {position} 位。",
    "An agent is being found for you …": "正在为您分配坐席 …",
    "You are chatting with {agent}.": "{agent} 正在为您服务。",
    "The chat has ended. Thank you!": "对话已结束,谢谢!",
    "Your name and an e-mail address or a phone number, please.": "请填写您的姓名,以及电子邮件或电话。",
    "Too many chats at once; please try again later.": "咨询过于频繁,请稍后再试。",
    "waiting": "排队中", "active": "进行中", "ended": "已结束",
}
