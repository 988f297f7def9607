//! What an app keeps for template messages (its industries and templates), mass-send speed and
//! the error rids `openapi/rid/get` looks up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The most templates an account may have (45026 beyond; see
/// [WeChat Docs/模板消息](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html)).
pub(crate) const TEMPLATE_LIMIT: usize = 25;

/// How long WeChat keeps a rid for `openapi/rid/get` (7 days).
pub(crate) const RID_TTL: u64 = 7 * 86_400;

/// The most rids kept per app (the oldest go first).
pub(crate) const RID_KEEP: usize = 500;

/// One of the account's templates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Template {
    pub(crate) title: String,
    pub(crate) primary_industry: String,
    pub(crate) deputy_industry: String,
    pub(crate) content: String,
    pub(crate) example: String,
}

/// The templates every app starts with, so that ids sent before template management existed
/// keep working.
pub(crate) fn preset_templates() -> BTreeMap<String, Template> {
    let preset = |title: &str, content: &str| Template {
        title: title.to_owned(),
        primary_industry: "IT科技 - 互联网|电子商务".to_owned(),
        deputy_industry: "IT科技 - IT软件与服务".to_owned(),
        content: content.to_owned(),
        example: String::new(),
    };
    BTreeMap::from([
        (
            "ngqIpbwh8bUfcSsECmogfXcV14J0tQlEpBO27izEYtY".to_owned(),
            preset(
                "订单支付成功",
                "商品名称：{{keyword1.DATA}}\n商品价格：{{keyword2.DATA}}",
            ),
        ),
        ("tpl1".to_owned(), preset("通知", "{{k.DATA}}")),
    ])
}

/// WeChat's industry table: id → (main class, sub-class) (see
/// [WeChat Docs/模板消息 行业代码](https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html)).
pub(crate) fn industry(id: u32) -> Option<(&'static str, &'static str)> {
    const TABLE: [(&str, &str); 41] = [
        ("IT科技", "互联网|电子商务"),
        ("IT科技", "IT软件与服务"),
        ("IT科技", "IT硬件与设备"),
        ("IT科技", "电子技术"),
        ("IT科技", "通信与运营商"),
        ("IT科技", "网络游戏"),
        ("金融业", "银行"),
        ("金融业", "基金|理财|信托"),
        ("金融业", "保险"),
        ("餐饮", "餐饮"),
        ("酒店旅游", "酒店"),
        ("酒店旅游", "旅游"),
        ("运输与仓储", "快递"),
        ("运输与仓储", "物流"),
        ("运输与仓储", "仓储"),
        ("教育", "培训"),
        ("教育", "院校"),
        ("政府与公共事业", "学术科研"),
        ("政府与公共事业", "交警"),
        ("政府与公共事业", "博物馆"),
        ("政府与公共事业", "公共事业|非盈利机构"),
        ("医药护理", "医药医疗"),
        ("医药护理", "护理美容"),
        ("医药护理", "保健与卫生"),
        ("交通工具", "汽车相关"),
        ("交通工具", "摩托车相关"),
        ("交通工具", "火车相关"),
        ("交通工具", "飞机相关"),
        ("房地产", "建筑"),
        ("房地产", "物业"),
        ("消费品", "消费品"),
        ("商业服务", "法律"),
        ("商业服务", "会展"),
        ("商业服务", "中介服务"),
        ("商业服务", "认证"),
        ("商业服务", "审计"),
        ("文体娱乐", "传媒"),
        ("文体娱乐", "体育"),
        ("文体娱乐", "娱乐休闲"),
        ("印刷", "印刷"),
        ("其它", "其它"),
    ];
    let index = usize::try_from(id).ok()?.checked_sub(1)?;
    TABLE.get(index).copied()
}

/// A call answered with an error, as `openapi/rid/get` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RidRecord {
    pub(crate) invoke_time: u64,
    pub(crate) cost_in_ms: u64,
    pub(crate) request_url: String,
    pub(crate) request_body: String,
    pub(crate) response_body: String,
    pub(crate) client_ip: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn industry_ids_are_one_based() {
        assert_eq!(industry(1), Some(("IT科技", "互联网|电子商务")));
        assert_eq!(industry(41), Some(("其它", "其它")));
        assert_eq!(industry(0), None);
        assert_eq!(industry(42), None);
    }
}
