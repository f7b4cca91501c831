"""The questionnaire every site starts with: the brochure's "Phone service evaluation".

Five single-choice questions, Chinese first with English beside, each option with a
score (higher is better; "not sure" is not scored) and the keypad digit a caller
presses in the IVR (1, 2, 3… in the order read out).
"""

from __future__ import annotations

from typing import Any

from crm_core.surveys.services import QuestionnaireService
from crm_core.surveys.views import QuestionnaireView

PHONE_SERVICE_EVALUATION_CODE = "phone-service-evaluation"

_QUALITY = [
    {"label": "优秀", "label_en": "Excellent", "score": 5},
    {"label": "良好", "label_en": "Good", "score": 3},
    {"label": "差", "label_en": "Poor", "score": 1},
]


def _single(text: str, text_en: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"kind": "single", "text": text, "text_en": text_en, "options": options}


PHONE_SERVICE_EVALUATION: dict[str, Any] = {
    "code": PHONE_SERVICE_EVALUATION_CODE,
    "title": "电话服务评价",
    "title_en": "Phone service evaluation",
    "kind": "phone_survey",
    "questions": [
        _single(
            "您的来电是由谁处理的？",
            "Who handled your call?",
            [
                {"label": "第一位接听人员", "label_en": "The first person I spoke to", "score": 5},
                {
                    "label": "很快转接给相关人员",
                    "label_en": "I was transferred quickly",
                    "score": 3,
                },
                {"label": "稍后回电处理", "label_en": "I was called back", "score": 1},
            ],
        ),
        _single(
            "您等了多久才得到帮助？",
            "How long did it take until you were helped?",
            [
                {"label": "没有等待", "label_en": "Never on hold", "score": 5},
                {"label": "少于30秒", "label_en": "Less than 30 seconds", "score": 4},
                {"label": "少于1分钟", "label_en": "Less than 1 minute", "score": 3},
                {"label": "1至2分钟", "label_en": "1 to 2 minutes", "score": 2},
                {"label": "2至5分钟", "label_en": "2 to 5 minutes", "score": 1},
                {"label": "不确定", "label_en": "Not sure", "score": None},
            ],
        ),
        _single("服务代表的礼貌程度", "Courtesy of the representative", _QUALITY),
        _single("服务代表的主动性", "Initiative of the representative", _QUALITY),
        _single("服务代表的产品知识", "Product knowledge of the representative", _QUALITY),
    ],
}


async def ensure_phone_service_evaluation(
    questionnaires: QuestionnaireService, *, actor: str = "system"
) -> QuestionnaireView:
    """Create and publish the "Phone service evaluation" unless it exists; return it."""
    return await questionnaires.ensure(PHONE_SERVICE_EVALUATION, actor=actor)
