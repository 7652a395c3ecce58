"""Chinese for the knowledge base, notices and shifts pages (merged into i18n.ZH at the end of i18n.py)."""
from __future__ import annotations

ZH_KB: dict[str, str] = {
    # rights
    "Read and search the knowledge base": "查阅和搜索知识库",
    "Write knowledge-base articles (versions, attachments, categories)": "编写知识库文章（版本、附件、分类）",
    "Send notices to agents and wallboards and see who read them": "向座席和大屏发送公告并查看已读情况",
    "Edit shift patterns and rosters, see attendance": "编辑班次和排班，查看考勤",
    # knowledge base
    "Knowledge base": "知识库",
    "Categories": "分类",
    "all": "全部",
    "New article": "新建文章",
    "Edit article": "编辑文章",
    "No article has every word of the search.": "没有同时包含所有搜索词的文章。",
    "Title": "标题",
    "Version": "版本",
    "By": "修改人",
    "No articles yet.": "暂无文章。",
    "New category": "新分类",
    "Version {n} of {saved_at}, by {by}; the article is at version {now}.":
        "{saved_at} 由 {by} 保存的第 {n} 版；文章当前为第 {now} 版。",
    "Restore this version": "恢复此版本",
    "History": "历史版本",
    "Attachments": "附件",
    "None.": "无。",
    "Attach": "上传附件",
    "Delete this article and all its versions?": "删除这篇文章及其全部版本？",
    "Text": "正文",
    "Shown beside the screen pop for": "在弹屏旁显示给",
    "queue:NAME shows the article to the agents of that queue; ivr:FLOW/NODE to an agent whose caller went through that IVR node.":
        "queue:队列名 向该队列的座席显示本文；ivr:流程/节点 向来电经过该 IVR 节点的座席显示本文。",
    "Cancel": "取消",
    "Saved": "保存时间",
    "Restored.": "已恢复。",
    "For this call": "本次来电相关",
    "Search the knowledge base; articles for the call's queue and IVR menu show here.":
        "搜索知识库；与来电队列和 IVR 菜单相关的文章会显示在这里。",
    "Open in the knowledge base": "在知识库中打开",
}
