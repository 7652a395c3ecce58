"""Chinese for the Conferences page (webadmin/conferences.py)."""
from __future__ import annotations

ZH_CONF: dict[str, str] = {
    "Conferences": "电话会议", "locked": "已锁定", "recording": "录音中", "Lock": "锁定", "Unlock": "解锁",
    "Joined at": "加入时间", "Muted": "静音", "leader": "主持人", "yes": "是", "no": "否",
    "Mute": "静音", "Unmute": "取消静音", "Remove": "移出", "Nobody is in this room.": "会议室里没有人。",
    "Invite": "邀请", "Inviting": "正在邀请",
    "No conference rooms are configured ([[conferences]] in telephonist.toml).":
        "没有配置会议室(telephonist.toml 中的 [[conferences]])。",
    # the agent desktop's room card (desk.html, static/desk-room.js)
    "Conference room": "会议室", "Into the room": "带入会议室", "parties": "方",
    "You and the caller enter the room; you lead it": "您和来电者一起进入会议室,由您主持",
    "Manage conference rooms: see who is in them, mute, remove, lock, invite":
        "管理电话会议室:查看与会者、静音、移出、锁定、邀请",
}
