"""A handful of demo articles in Chinese and English, for the demo data and for trying search."""

from __future__ import annotations

from crm_core.knowledge.schemas import ArticleView
from crm_core.knowledge.services import KnowledgeService

#: (category, title, keywords, body)
DEMO_ARTICLES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "设备/电子狗",
        "电子狗无法充电怎么办",
        ("充电", "电子狗", "维修"),
        "客户反映电子狗无法充电，死机。\n"
        "1. 确认车载充电器指示灯亮起，点烟器接触良好。\n"
        "2. 换一根 USB 充电线再试。\n"
        "3. 长按电源键 10 秒强制重启。\n"
        "仍无法充电的，请登记维修服务请求，并告知客户保修期内免费维修。",
    ),
    (
        "设备/导航仪",
        "GPS 导航仪死机",
        ("GPS", "死机", "重启"),
        "GPS 导航仪死机或黑屏时，先长按电源键 15 秒重启。\n"
        "升级地图后频繁死机的，请指导客户恢复出厂设置后重新升级。\n"
        "无法开机的，登记维修服务请求。",
    ),
    (
        "会员/积分",
        "积分查询与兑换规则",
        ("积分", "兑换", "有效期"),
        "会员积分分为有效积分和累计积分。有效积分可以兑换礼品，累计积分决定会员等级。\n"
        "积分自获得之日起两年内有效，到期自动清零；\n"
        "客户可拨打热线按 1 查询积分余额和即将到期的积分。",
    ),
    (
        "会员/会员卡",
        "会员卡挂失与补办",
        ("会员卡", "挂失", "补办"),
        "会员卡丢失后请立即挂失，挂失后旧卡不能再识别会员。\n"
        "补办新卡时核对身份证件，新卡绑定到同一会员，积分不受影响。",
    ),
    (
        "Devices/Navigation",
        "GPS navigator freezes after a map update",
        ("GPS", "freeze", "map update"),
        "If the navigator freezes after a map update, hold the power button for 15 seconds "
        "to restart it. If it keeps freezing, restore the factory settings and install the "
        "update again. A unit that does not start at all needs a repair request.",
    ),
    (
        "Membership/Points",
        "How loyalty points expire",
        ("points", "expiry"),
        "Points are valid for two years from the day they are earned and expire "
        "automatically after that. Members hear their balance and the points about to "
        "expire in the IVR; agents see both on the screen pop.",
    ),
)


async def seed_demo_articles(
    service: KnowledgeService, *, author: str = "demo", approver: str | None = None
) -> list[ArticleView]:
    """File the demo articles (approved by ``approver`` if given); already filed ones are skipped.

    ``approver`` must be an active supervisor or admin. Returns the articles filed now.
    """
    existing = {(a.category, a.title) for a in await service.list_articles(limit=1000)}
    filed = []
    for category, title, keywords, body in DEMO_ARTICLES:
        if (category, title) in existing:
            continue
        await service.ensure_category(category)
        article = await service.create_article(
            {"title": title, "body": body, "category": category, "keywords": list(keywords)},
            actor=author,
        )
        if approver is not None:
            article = await service.approve(article.id, by=approver)
        filed.append(article)
    return filed


__all__ = ["DEMO_ARTICLES", "seed_demo_articles"]
