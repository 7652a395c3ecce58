"""The quality pages' Chinese messages (merged into i18n.ZH)."""
from __future__ import annotations

ZH: dict[str, str] = {
    "Quality": "质检", "To review": "待质检", "My scores": "我的质检成绩", "Appeals": "申诉", "Forms": "评分表",
    "Sampling": "抽检规则", "Reviewers": "质检员", "Staff assessment": "员工考核",
    "A reviewer listens to and scores the calls of agents whose level is at most their reviewing level.":
        "质检员只能收听并评分级别不高于其质检级别的坐席的通话。",
    "Agents' levels": "坐席级别", "Appeal": "申诉", "Appealed": "申诉时间", "Assessment": "考核得分",
    "Average score": "平均得分", "Average score by team and week": "各组每周平均得分",
    "Calls per agent and week": "每坐席每周抽检通话数", "Comment": "评语", "Copy": "复制", "Draw": "抽取",
    "Draw calls for review": "抽取待质检通话",
    "Drawing again tops the week up; a call is drawn once. `telephonist quality draw` does the same from a timer.":
        "再次抽取会补足本周数量,同一通话只抽一次。`telephonist quality draw` 由定时任务做同样的事。",
    "Drawn for review": "已抽取待评分", "Errors": "差错", "Fatal": "致命项", "Form": "评分表",
    "Give every item its points.": "请为每一项打分。", "In use": "启用", "Item": "评分项", "Level": "级别",
    "Listen to and score recorded calls of agents up to one's reviewing level":
        "收听并评分不高于本人质检级别的坐席的录音通话",
    "Manage quality forms, sampling rules and reviewers; decide appeals; staff assessment":
        "管理质检评分表、抽检规则和质检员;处理申诉;员工考核",
    "New form": "新建评分表", "New rule": "新建规则", "No appeal is waiting.": "没有待处理的申诉。",
    "No call of yours has been scored yet.": "您的通话尚未被评分。",
    "No form is in use: a quality manager makes one on the Forms page.": "没有启用的评分表:请质检主管在“评分表”页面创建。",
    "No form yet.": "尚无评分表。", "No recorded call of your agents this week.": "本周没有您可质检坐席的录音通话。",
    "No reviewer yet.": "尚无质检员。", "No rule yet.": "尚无规则。", "Nothing drawn is waiting.": "没有待评分的抽检通话。",
    "One item per line: section; item; points — add “; fatal” for an item whose failure makes the whole score 0. "
    "A form that reviews use keeps its items: copy it to change them.":
        "每行一项:分类; 评分项; 分值 —— 加“; fatal”(或“; 致命”)表示该项不通过则总分为 0。已被使用的评分表不能修改评分项:请复制后修改。",
    "Points": "分值", "Recorded calls": "录音通话", "Reply": "答复", "Review": "质检评分", "Reviewer": "质检员",
    "Reviewing level": "质检级别", "Reviews": "评分数", "Revise with these points": "按以上分值改分", "Rule": "规则",
    "Save the score": "保存评分", "Score": "评分", "Score a call": "通话评分", "Section": "分类",
    "See the quality reviews of one's own calls and appeal them": "查看本人通话的质检评分并申诉",
    "Set in the ACD configuration ([[agents]] level).": "在 ACD 配置中设置([[agents]] level)。",
    "This call has no recording.": "此通话没有录音。", "Uphold the score": "维持原评分", "Week of": "所在周",
    "Weight of the errors": "差错权重", "Weight of the score": "质检得分权重", "Weight of the workload": "工作量权重",
    "Why": "理由", "Why the score is wrong": "申诉理由", "Workload": "工作量",
    "Workload: calls answered against the agents' mean (at most 100). Errors: 100 less 50 per fatal item failed.":
        "工作量:接听量与坐席平均值之比(最高 100)。差错:100 减去每个未通过致命项 50 分。",
    "You have no reviewing level yet: a quality manager sets it on the Reviewers page.":
        "您还没有质检级别:请质检主管在“质检员”页面设置。",
    "Your appeal has been sent.": "申诉已提交。",
    "Your reviewing level: {level} (calls of agents up to this level).": "您的质检级别:{level}(可质检不高于此级别的坐席)。",
    "Your user has no agent number: there are no scores to show.": "您的用户没有坐席工号,没有成绩可显示。",
    "a fatal item failed": "致命项未通过", "by": "评分人", "empty: none": "留空:取消", "every queue": "所有队列",
    "fatal": "致命", "passed": "通过", "per_agent_week": "每坐席每周 N 通", "disposition": "按处理结果全检",
    "scored": "已评分", "appealed": "申诉中", "upheld": "维持原分", "revised": "已改分",
    "{n} calls drawn for review.": "已抽取 {n} 通通话待质检。",
}
