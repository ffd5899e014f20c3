// Command gen writes the sample catalog of four departments of Beijing's
// Haidian district (110108) to catalog-chain/testdata/sample: for each
// department a directory of CSV files and an xlsx workbook with the same
// content. It is deterministic; run it from the repository root:
//
//	go run ./catalog-chain/testdata/gen
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	catalog "github.com/govchain/govchain/catalog-chain"
	"github.com/govchain/govchain/catalog-chain/catalogio"
	"github.com/govchain/govchain/chain/smcrypto"
)

// item spec: "名称|type|length|column|description"; a leading "@" names
// another subject's item by key ("@企业.统一社会信用代码|column").
type subject struct {
	name, abbr string
	owned      bool // the department is the authoritative source of its items
	items      []string
}

type aspect struct {
	name, abbr string
	items      []string
}

type template struct {
	subject  string
	aspects  []string
	duty     string
	sharing  string // U C N
	open     string // U C N
	cycle    string
	category string
	format   string
	summary  string
}

type dept struct {
	code, db string
	duties   [][3]string // code, name, legal basis
	subjects []subject
	tmpls    []template
}

const district = "110108"

var aspects = map[string]aspect{
	"设立登记信息": {"设立登记信息", "sldj", nil},
	"基本信息":   {"基本信息", "jbxx", nil},
	"变更信息": {"变更信息", "bgxx", []string{
		"变更事项|string|100|bgsx|变更的登记事项", "变更前内容|text|2000|bgqnr|", "变更后内容|text|2000|bghnr|", "变更日期|date|0|bgrq|核准变更的日期"}},
	"注销信息": {"注销信息", "zxxx", []string{
		"注销原因|string|200|zxyy|", "注销日期|date|0|zxrq|", "注销核准机关|string|100|zxhzjg|"}},
	"年度报告信息": {"年度报告信息", "ndbg", []string{
		"报告年度|string|4|bgnd|YYYY", "从业人数|integer|10|cyrs|", "资产总额|decimal|20|zcze|万元", "营业总收入|decimal|20|yyzsr|万元",
		"纳税总额|decimal|20|nsze|万元", "报送日期|date|0|bsrq|"}},
	"经营异常名录信息": {"经营异常名录信息", "jyyc", []string{
		"列入经营异常名录原因|string|200|lryy|", "列入日期|date|0|lrrq|", "作出决定机关|string|100|zcjdjg|", "移出原因|string|200|ycyy|", "移出日期|date|0|ycrq|"}},
	"行政处罚信息": {"行政处罚信息", "xzcf", []string{
		"行政处罚决定书文号|string|100|cfwh|", "违法行为类型|string|200|wfxwlx|", "处罚内容|text|2000|cfnr|", "罚款金额|decimal|20|fkje|万元",
		"处罚决定日期|date|0|cfjdrq|", "处罚机关|string|100|cfjg|"}},
	"监督检查信息": {"监督检查信息", "jdjc", []string{
		"检查编号|string|32|jcbh|", "检查日期|date|0|jcrq|", "检查类型|string|20|jclx|日常/专项/双随机", "检查结果|string|50|jcjg|", "整改要求|text|1000|zgyq|"}},
	"许可信息": {"许可信息", "xkxx", nil},
	"统计信息": {"统计信息", "tjxx", []string{
		"统计期|string|7|tjq|YYYY-MM", "统计区域|string|50|tjqy|街道（乡镇）", "数量|integer|12|sl|", "金额|decimal|20|je|万元"}},
	"核查信息": {"核查信息", "hcxx", []string{
		"核查编号|string|32|hcbh|", "核查日期|date|0|hcrq|", "核查结论|string|50|hcjl|", "核查单位|string|100|hcdw|"}},
	"发放信息": {"发放信息", "ffxx", []string{
		"发放月份|string|7|ffyf|YYYY-MM", "发放金额|decimal|20|ffje|元", "发放方式|string|20|fffs|", "发放日期|date|0|ffrq|"}},
	"延续信息": {"延续信息", "yxxx", []string{
		"延续申请日期|date|0|yxsqrq|", "延续后有效期至|date|0|yxhyxqz|", "延续决定机关|string|100|yxjdjg|"}},
	"补证信息": {"补证信息", "bzxx", []string{
		"补发原因|string|100|bfyy|遗失/损毁", "补发日期|date|0|bfrq|"}},
	"撤销信息": {"撤销信息", "cxxx", []string{
		"撤销原因|string|200|cxyy|", "撤销日期|date|0|cxrq|", "撤销决定机关|string|100|cxjdjg|"}},
	"信用评价信息": {"信用评价信息", "xypj", []string{
		"评价年度|string|4|pjnd|", "信用等级|string|10|xydj|A/B/C/D", "评价机关|string|100|pjjg|", "评价日期|date|0|pjrq|"}},
	"抽查结果信息": {"抽查结果信息", "ccjg", []string{
		"抽查计划编号|string|40|ccjhbh|双随机一公开", "抽查日期|date|0|ccrq|", "抽查事项|string|200|ccsx|", "抽查结果|string|50|ccjg|", "抽查机关|string|100|ccjgmc|"}},
	"办理过程信息": {"办理过程信息", "blgc", []string{
		"环节名称|string|50|hjmc|", "环节开始时间|datetime|0|hjkssj|", "环节结束时间|datetime|0|hjjssj|", "经办人员编号|string|32|jbrybh|工号，不含姓名", "环节办理意见|text|1000|hjblyj|"}},
}

const (
	basisShare = "《政务信息资源共享管理暂行办法》（国发〔2016〕51号）第九条"
	basisPI    = "《中华人民共和国个人信息保护法》第三十四条"
	basisDS    = "《中华人民共和国数据安全法》第三十八条"
	basisOpen  = "《北京市公共数据管理办法》第二十一条：涉及商业秘密、个人隐私的不予开放"
)

var depts = []dept{
	{code: "ZWFW", db: "zwfw_zsk",
		duties: [][3]string{
			{"ZWFW-ZZ-001", "政务服务事项标准化管理", "《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）"},
			{"ZWFW-ZZ-002", "一网通办平台运行管理", "《北京市优化营商环境条例》第十九条"},
			{"ZWFW-ZZ-003", "政务服务中心及便民服务站管理", "《北京市海淀区政务服务管理局职能配置、内设机构和人员编制规定》"},
			{"ZWFW-ZZ-004", "政务服务好差评管理", "《国务院办公厅关于建立政务服务“好差评”制度提高政务服务水平的意见》（国办发〔2019〕51号）"},
			{"ZWFW-ZZ-005", "12345市民服务热线接诉即办", "《北京市接诉即办工作条例》"},
			{"ZWFW-ZZ-006", "电子证照归集与应用", "《国务院关于在线政务服务的若干规定》第十条"},
			{"ZWFW-ZZ-007", "政务数据目录编制与共享协调", "《北京市公共数据管理办法》第九条"},
			{"ZWFW-ZZ-008", "证明事项告知承诺制管理", "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》"},
		},
		subjects: []subject{
			{"政务服务事项", "zwfwsx", true, []string{"事项编码|string|40|sxbm|国家政务服务事项编码", "事项名称|string|200|sxmc|", "事项类型|string|20|sxlx|行政许可/行政确认等", "实施主体|string|100|sszt|", "设定依据|text|2000|sdyj|", "法定办结时限|integer|4|fdbjsx|工作日", "承诺办结时限|integer|4|cnbjsx|工作日", "收费标准|string|200|sfbz|", "网办深度|string|10|wbsd|一至四级"}},
			{"办件", "bj", true, []string{"办件编号|string|40|bjbh|", "@政务服务事项.事项编码|sxbm", "申请人类型|string|10|sqrlx|自然人/法人", "申请人证件号码密文|string|64|sqrzjhmmw|SM4 加密后的摘要，不含明文", "受理日期|datetime|0|slrq|", "办结日期|datetime|0|bjrq|", "办理结果|string|20|bljg|", "受理部门|string|100|slbm|"}},
			{"好差评", "hcp", true, []string{"评价编号|string|40|pjbh|", "@办件.办件编号|bjbh", "评价等级|string|10|pjdj|非常满意至非常不满意", "评价渠道|string|20|pjqd|", "评价日期|datetime|0|pjrq|", "差评整改情况|text|1000|cpzgqk|"}},
			{"热线工单", "rxgd", true, []string{"工单编号|string|40|gdbh|", "来电日期|datetime|0|ldrq|", "诉求类型|string|20|sqlx|咨询/求助/投诉/建议", "诉求分类|string|100|sqfl|", "诉求摘要|text|2000|sqzy|已脱敏", "承办单位|string|100|cbdw|", "办理时限|datetime|0|blsx|", "办结日期|datetime|0|gdbjrq|", "响应率|decimal|6|xyl|", "满意度|string|10|myd|"}},
			{"电子证照", "dzzz", true, []string{"证照编号|string|64|zzbh|", "证照类型代码|string|20|zzlxdm|", "证照名称|string|100|zzmc|", "持证主体名称|string|200|czztmc|", "持证主体代码|string|32|czztdm|统一社会信用代码或证件号码摘要", "颁证单位|string|100|bzdw|", "颁证日期|date|0|bzrq|", "有效期至|date|0|yxqz|", "证照状态|string|10|zzzt|"}},
			{"服务窗口", "fwck", true, []string{"窗口编号|string|20|ckbh|", "窗口名称|string|100|ckmc|", "所属大厅|string|100|ssdt|", "进驻部门|string|100|jzbm|", "可办事项数|integer|6|kbsxs|"}},
			{"企业开办", "qykb", true, []string{"开办业务编号|string|40|kbywbh|", "@企业.企业名称|qymc", "@企业.统一社会信用代码|tyshxydm", "开办环节|string|50|kbhj|登记/刻章/申领发票/社保登记", "办理时长|decimal|8|blsc|小时", "开办完成日期|date|0|kbwcrq|"}},
			{"告知承诺", "gzcn", true, []string{"承诺书编号|string|40|cnsbh|", "证明事项名称|string|200|zmsxmc|", "承诺主体类型|string|10|cnztlx|", "核查方式|string|50|hcfs|", "核查结果|string|20|gzhcjg|", "失信处理情况|text|1000|sxclqk|"}},
			{"便民服务站", "bmfwz", true, []string{"服务站编码|string|20|fwzbm|", "服务站名称|string|100|fwzmc|", "所属街道|string|50|ssjd|", "服务事项数|integer|6|fwsxs|", "工作人员数|integer|4|gzrys|"}},
			{"联审联办", "lslb", true, []string{"联办事项编码|string|40|lbsxbm|", "联办事项名称|string|200|lbsxmc|", "牵头部门|string|100|qtbm|", "协办部门|string|500|xbbm|", "联办时限|integer|4|lbsx|工作日"}},
			{"帮办代办", "bbdb", true, []string{"帮办服务编号|string|40|bbfwbh|", "服务类型|string|20|fwlx|", "@企业.企业名称|qymc", "服务日期|date|0|fwrq|", "服务结果|string|50|fwjg|"}},
			{"政务服务督查", "zwdc", true, []string{"督查编号|string|30|dcbh|", "督查事项|string|200|dcsx|", "被督查单位|string|100|bdcdw|", "督查日期|date|0|dcrq|", "督查结论|string|50|dcjl|", "整改期限|date|0|zgqx|"}},
			{"自助终端", "zzzd", true, []string{"终端编号|string|30|zdbh|", "部署地点|string|200|bsdd|", "可办事项数|integer|6|kbsxs|", "启用日期|date|0|qyrq|", "终端状态|string|10|zdzt|"}},
			{"预约服务", "yyfw", true, []string{"预约编号|string|40|yybh|", "@政务服务事项.事项编码|sxbm", "预约日期|date|0|yyrq|", "预约时段|string|20|yysd|", "到场状态|string|10|dczt|"}},
		},
		tmpls: []template{
			{"政务服务事项", []string{"基本信息", "变更信息", "统计信息"}, "ZWFW-ZZ-001", "U", "U", "irregular", "basic", "database", "区级政务服务事项的标准化要素"},
			{"办件", []string{"基本信息", "办理过程信息", "统计信息", "核查信息"}, "ZWFW-ZZ-002", "C", "N", "realtime", "thematic", "database", "一网通办平台受理和办结的办件"},
			{"好差评", []string{"基本信息", "统计信息", "核查信息"}, "ZWFW-ZZ-004", "C", "C", "daily", "departmental", "database", "政务服务评价与差评整改"},
			{"热线工单", []string{"基本信息", "办理过程信息", "统计信息", "核查信息"}, "ZWFW-ZZ-005", "C", "N", "realtime", "thematic", "database", "12345 市民服务热线派单与办理"},
			{"电子证照", []string{"基本信息", "变更信息", "注销信息", "统计信息"}, "ZWFW-ZZ-006", "C", "N", "realtime", "basic", "api", "区级签发和归集的电子证照目录"},
			{"服务窗口", []string{"基本信息", "统计信息"}, "ZWFW-ZZ-003", "U", "U", "monthly", "departmental", "spreadsheet", "区政务服务中心窗口设置"},
			{"企业开办", []string{"基本信息", "办理过程信息", "统计信息"}, "ZWFW-ZZ-002", "C", "N", "daily", "thematic", "database", "企业开办全流程一网通办"},
			{"告知承诺", []string{"基本信息", "核查信息", "统计信息"}, "ZWFW-ZZ-008", "C", "N", "daily", "thematic", "database", "证明事项告知承诺与事后核查"},
			{"便民服务站", []string{"基本信息", "统计信息", "变更信息"}, "ZWFW-ZZ-003", "U", "U", "quarterly", "departmental", "spreadsheet", "街道（乡镇）便民服务站"},
			{"联审联办", []string{"基本信息", "办理过程信息", "统计信息"}, "ZWFW-ZZ-002", "U", "U", "monthly", "thematic", "database", "一件事联审联办"},
			{"帮办代办", []string{"基本信息", "统计信息", "核查信息"}, "ZWFW-ZZ-003", "C", "N", "daily", "departmental", "database", "重点项目和企业帮办代办"},
			{"政务服务督查", []string{"基本信息", "核查信息", "统计信息"}, "ZWFW-ZZ-004", "C", "N", "monthly", "departmental", "spreadsheet", "政务服务工作督查与整改"},
			{"自助终端", []string{"基本信息", "变更信息", "统计信息"}, "ZWFW-ZZ-003", "U", "U", "monthly", "departmental", "database", "政务服务自助终端布设"},
			{"预约服务", []string{"基本信息", "统计信息"}, "ZWFW-ZZ-002", "C", "N", "realtime", "departmental", "api", "政务服务预约办理"},
		}},
	{code: "SCJG", db: "scjg_djdb",
		duties: [][3]string{
			{"SCJG-ZZ-001", "市场主体登记注册", "《中华人民共和国市场主体登记管理条例》第五条"},
			{"SCJG-ZZ-002", "市场主体信用监管与信息公示", "《企业信息公示暂行条例》第六条"},
			{"SCJG-ZZ-003", "食品安全监督管理", "《中华人民共和国食品安全法》第六条"},
			{"SCJG-ZZ-004", "药品医疗器械零售环节监督管理", "《中华人民共和国药品管理法》第八条"},
			{"SCJG-ZZ-005", "特种设备安全监察", "《中华人民共和国特种设备安全法》第五条"},
			{"SCJG-ZZ-006", "工业产品质量安全监督", "《中华人民共和国产品质量法》第八条"},
			{"SCJG-ZZ-007", "计量监督管理", "《中华人民共和国计量法》第四条"},
			{"SCJG-ZZ-008", "市场监管行政执法", "《中华人民共和国行政处罚法》第十八条"},
			{"SCJG-ZZ-009", "消费者权益保护", "《中华人民共和国消费者权益保护法》第三十二条"},
			{"SCJG-ZZ-010", "知识产权保护", "《中华人民共和国商标法》第二条"},
		},
		subjects: []subject{
			{"企业", "qy", true, []string{"统一社会信用代码|string|18|tyshxydm|GB 32100 法人和其他组织统一社会信用代码", "企业名称|string|200|qymc|", "法定代表人|string|50|fddbr|",
				"企业类型|string|50|qylx|", "注册资本|decimal|24|zczb|万元", "成立日期|date|0|clrq|", "登记日期|date|0|djrq|", "经营范围|text|4000|jyfw|", "住所|string|200|zs|",
				"登记机关|string|100|djjg|", "核准日期|date|0|hzrq|", "登记状态|string|20|djzt|存续/吊销/注销", "营业期限自|date|0|yyqxz|", "营业期限至|date|0|yyqxzhi|"}},
			{"个体工商户", "gtgsh", true, []string{"统一社会信用代码|string|18|tyshxydm|", "字号名称|string|200|zhmc|", "经营者|string|50|jyz|", "组成形式|string|20|zcxs|个人/家庭",
				"经营场所|string|200|jycs|", "经营范围|text|4000|jyfw|", "注册日期|date|0|zcrq|", "登记机关|string|100|djjg|", "登记状态|string|20|djzt|"}},
			{"农民专业合作社", "nmzyhzs", true, []string{"统一社会信用代码|string|18|tyshxydm|", "名称|string|200|mc|", "法定代表人|string|50|fddbr|", "成员出资总额|decimal|24|cyczze|万元",
				"业务范围|text|4000|ywfw|", "住所|string|200|zs|", "成立日期|date|0|clrq|", "登记机关|string|100|djjg|"}},
			{"外商投资企业", "wstzqy", true, []string{"统一社会信用代码|string|18|tyshxydm|", "企业名称|string|200|qymc|", "法定代表人|string|50|fddbr|", "投资总额|decimal|24|tzze|万美元",
				"注册资本|decimal|24|zczb|万美元", "外方投资者国别|string|50|wftzzgb|", "经营范围|text|4000|jyfw|", "成立日期|date|0|clrq|"}},
			{"食品经营许可", "spjyxk", true, []string{"许可证编号|string|20|xkzbh|JY 开头 14 位", "@企业.统一社会信用代码|tyshxydm", "经营者名称|string|200|jyzmc|", "经营场所|string|200|jycs|",
				"主体业态|string|50|ztyt|", "经营项目|text|1000|jyxm|", "发证机关|string|100|fzjg|", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"食品生产许可", "spscxk", true, []string{"许可证编号|string|20|xkzbh|SC 开头 14 位", "@企业.统一社会信用代码|tyshxydm", "生产者名称|string|200|sczmc|", "生产地址|string|200|scdz|",
				"食品类别|string|200|splb|", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"药品经营许可", "ypjyxk", true, []string{"许可证编号|string|20|xkzbh|", "@企业.统一社会信用代码|tyshxydm", "企业名称|string|200|qymc|", "经营方式|string|20|jyfs|零售/零售连锁",
				"经营范围|text|1000|jyfw|", "质量负责人|string|50|zlfzr|", "有效期至|date|0|yxqz|"}},
			{"医疗器械经营备案", "ylqxba", true, []string{"备案编号|string|30|babh|", "@企业.统一社会信用代码|tyshxydm", "企业名称|string|200|qymc|", "经营方式|string|20|jyfs|",
				"经营范围|text|1000|jyfw|", "备案日期|date|0|barq|"}},
			{"特种设备使用登记", "tzsb", true, []string{"使用登记证编号|string|30|sydjzbh|", "设备类别|string|50|sblb|电梯/锅炉/压力容器等", "设备代码|string|30|sbdm|",
				"@企业.统一社会信用代码|tyshxydm", "使用单位名称|string|200|sydwmc|", "设备使用地点|string|200|sbsydd|", "登记日期|date|0|djrq|", "下次检验日期|date|0|xcjyrq|"}},
			{"工业产品生产许可", "gycpxk", true, []string{"许可证编号|string|30|xkzbh|", "@企业.统一社会信用代码|tyshxydm", "企业名称|string|200|qymc|", "产品名称|string|200|cpmc|",
				"发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"计量器具强制检定", "jlqj", true, []string{"检定证书编号|string|30|jdzsbh|", "器具名称|string|100|qjmc|", "出厂编号|string|50|ccbh|", "@企业.统一社会信用代码|tyshxydm",
				"使用单位名称|string|200|sydwmc|", "检定日期|date|0|jdrq|", "检定结论|string|20|jdjl|合格/不合格", "有效期至|date|0|yxqz|"}},
			{"消费投诉举报", "xftsjb", true, []string{"投诉举报编号|string|40|tsjbbh|", "@企业.统一社会信用代码|tyshxydm", "被投诉主体名称|string|200|btsztmc|", "投诉类别|string|50|tslb|",
				"登记日期|date|0|djrq|", "处理结果|string|50|cljg|", "挽回经济损失|decimal|20|whjjss|元", "举报线索摘要|text|2000|jbxszy|已脱敏"}},
			{"广告监测", "ggjc", true, []string{"监测编号|string|30|jcbh|", "@企业.统一社会信用代码|tyshxydm", "广告发布者名称|string|200|ggfbzmc|", "媒介类型|string|20|jjlx|", "监测日期|date|0|jcrq|", "涉嫌违法类型|string|100|sxwflx|"}},
			{"价格监督检查", "jgjc", true, []string{"价格检查编号|string|30|jgjcbh|", "@企业.统一社会信用代码|tyshxydm", "被检查单位名称|string|200|bjcdwmc|", "价格违法类型|string|100|jgwflx|", "检查日期|date|0|jgjcrq|", "处理结果|string|100|cljg|"}},
			{"产品质量监督抽查", "cpzl", true, []string{"抽查编号|string|30|cpccbh|", "产品名称|string|200|cpmc|", "@企业.统一社会信用代码|tyshxydm", "生产企业名称|string|200|scqymc|", "抽样日期|date|0|cyrq|", "检验结论|string|20|jyjl|合格/不合格", "不合格项目|text|1000|bhgxm|"}},
			{"商标质押", "sbzy", true, []string{"质押登记号|string|30|zydjh|", "商标注册号|string|20|sbzch|", "@企业.统一社会信用代码|tyshxydm", "出质人名称|string|200|czrmc|",
				"质权人名称|string|200|zqrmc|", "质押金额|decimal|20|zyje|万元", "质押期限至|date|0|zyqxz|"}},
		},
		tmpls: []template{
			{"企业", []string{"设立登记信息", "变更信息", "注销信息", "撤销信息", "年度报告信息", "经营异常名录信息", "行政处罚信息", "信用评价信息", "抽查结果信息"}, "SCJG-ZZ-001", "U", "C", "realtime", "basic", "database", "辖区企业登记注册信息（法人库基础数据）"},
			{"个体工商户", []string{"设立登记信息", "变更信息", "注销信息", "年度报告信息", "经营异常名录信息", "抽查结果信息"}, "SCJG-ZZ-001", "U", "C", "daily", "basic", "database", "个体工商户登记注册"},
			{"农民专业合作社", []string{"设立登记信息", "变更信息", "注销信息", "年度报告信息"}, "SCJG-ZZ-001", "U", "C", "daily", "basic", "database", "农民专业合作社登记注册"},
			{"外商投资企业", []string{"设立登记信息", "变更信息", "注销信息", "年度报告信息"}, "SCJG-ZZ-001", "C", "N", "daily", "basic", "database", "外商投资企业登记与信息报告"},
			{"食品经营许可", []string{"许可信息", "变更信息", "延续信息", "补证信息", "注销信息", "撤销信息", "监督检查信息", "抽查结果信息", "行政处罚信息"}, "SCJG-ZZ-003", "U", "U", "daily", "thematic", "database", "食品经营许可及监管"},
			{"食品生产许可", []string{"许可信息", "变更信息", "延续信息", "补证信息", "注销信息", "监督检查信息", "抽查结果信息"}, "SCJG-ZZ-003", "U", "U", "daily", "thematic", "database", "食品生产许可及监管"},
			{"药品经营许可", []string{"许可信息", "变更信息", "延续信息", "注销信息", "监督检查信息", "行政处罚信息"}, "SCJG-ZZ-004", "U", "C", "daily", "thematic", "database", "药品零售企业许可"},
			{"医疗器械经营备案", []string{"基本信息", "变更信息", "监督检查信息"}, "SCJG-ZZ-004", "U", "C", "daily", "thematic", "database", "第二类医疗器械经营备案"},
			{"特种设备使用登记", []string{"基本信息", "变更信息", "注销信息", "监督检查信息", "统计信息"}, "SCJG-ZZ-005", "C", "N", "daily", "thematic", "database", "电梯、锅炉等特种设备使用登记"},
			{"工业产品生产许可", []string{"许可信息", "延续信息", "注销信息", "监督检查信息"}, "SCJG-ZZ-006", "U", "U", "monthly", "thematic", "database", "重要工业产品生产许可"},
			{"计量器具强制检定", []string{"基本信息", "统计信息"}, "SCJG-ZZ-007", "C", "N", "monthly", "departmental", "database", "强制检定计量器具"},
			{"消费投诉举报", []string{"基本信息", "统计信息"}, "SCJG-ZZ-009", "N", "N", "realtime", "departmental", "database", "消费投诉与违法行为举报（含举报人信息，不予共享）"},
			{"广告监测", []string{"基本信息", "统计信息"}, "SCJG-ZZ-008", "C", "N", "daily", "departmental", "database", "广告监测与违法线索"},
			{"价格监督检查", []string{"基本信息", "行政处罚信息", "统计信息"}, "SCJG-ZZ-008", "C", "N", "monthly", "departmental", "database", "价格监督检查"},
			{"产品质量监督抽查", []string{"基本信息", "行政处罚信息", "统计信息"}, "SCJG-ZZ-006", "U", "U", "quarterly", "thematic", "database", "产品质量监督抽查结果"},
			{"商标质押", []string{"基本信息", "注销信息"}, "SCJG-ZZ-010", "C", "N", "monthly", "departmental", "spreadsheet", "注册商标专用权质押登记"},
		}},
	{code: "RSJ", db: "rsj_shbx",
		duties: [][3]string{
			{"RSJ-ZZ-001", "社会保险登记与缴费核定", "《中华人民共和国社会保险法》第五十七条"},
			{"RSJ-ZZ-002", "就业失业登记管理", "《就业服务与就业管理规定》第六十一条"},
			{"RSJ-ZZ-003", "职业技能评价管理", "《中华人民共和国劳动法》第六十九条"},
			{"RSJ-ZZ-004", "劳动保障监察", "《劳动保障监察条例》第三条"},
			{"RSJ-ZZ-005", "人力资源市场管理", "《人力资源市场暂行条例》第四条"},
			{"RSJ-ZZ-006", "工伤认定", "《工伤保险条例》第十七条"},
			{"RSJ-ZZ-007", "社会保险待遇发放", "《中华人民共和国社会保险法》第十六条"},
			{"RSJ-ZZ-008", "创业就业扶持", "《北京市人民政府关于进一步做好稳就业工作的意见》"},
		},
		subjects: []subject{
			{"参保单位", "cbdw", true, []string{"单位社保编号|string|20|dwsbbh|", "@企业.统一社会信用代码|tyshxydm", "@企业.企业名称|dwmc", "单位类型|string|20|dwlx|", "参保险种|string|50|cbxz|养老/医疗/失业/工伤/生育",
				"参保日期|date|0|cbrq|", "缴费状态|string|10|jfzt|", "经办机构|string|100|jbjg|"}},
			{"参保人员", "cbry", true, []string{"个人社保编号|string|20|grsbbh|", "证件号码摘要|string|64|zjhmzy|SM3 摘要，不存明文", "参保险种|string|50|cbxz|", "参保日期|date|0|cbrq|",
				"缴费基数|decimal|12|jfjs|元", "累计缴费月数|integer|4|ljjfys|", "人员参保状态|string|10|rycbzt|", "@参保单位.单位社保编号|dwsbbh"}},
			{"就业登记", "jydj", true, []string{"就业登记编号|string|30|jydjbh|", "@企业.统一社会信用代码|tyshxydm", "就业形式|string|20|jyxs|单位就业/灵活就业", "就业日期|date|0|jyrq|", "劳动合同期限|string|20|ldhtqx|"}},
			{"失业登记", "sydj", true, []string{"失业登记证号|string|30|sydjzh|", "失业原因|string|50|syyy|", "失业登记日期|date|0|sydjrq|", "领取失业保险金月数|integer|3|lqsybxjys|", "就业困难人员标识|boolean|1|jykn|"}},
			{"职业技能等级证书", "zyjn", true, []string{"证书编号|string|30|zsbh|", "职业名称|string|100|zymc|", "技能等级|string|10|jndj|一级至五级", "评价机构|string|200|pjjg|", "发证日期|date|0|fzrq|"}},
			{"劳动保障监察案件", "ldjc", true, []string{"案件编号|string|30|ajbh|", "@企业.统一社会信用代码|tyshxydm", "@企业.企业名称|yrdwmc", "违法类型|string|100|wflx|欠薪/未签合同/超时加班等", "立案日期|date|0|larq|",
				"结案日期|date|0|jarq|", "涉及劳动者人数|integer|6|sjldzrs|", "追发工资金额|decimal|20|zfgzje|元"}},
			{"人力资源服务许可", "rlzyfw", true, []string{"许可证编号|string|30|xkzbh|", "@企业.统一社会信用代码|tyshxydm", "机构名称|string|200|jgmc|", "服务范围|text|1000|fwfw|", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"工伤认定", "gsrd", true, []string{"认定书编号|string|30|rdsbh|", "@参保单位.单位社保编号|dwsbbh", "事故发生日期|date|0|sgfsrq|", "事故类别|string|50|sglb|", "认定结论|string|20|rdjl|", "认定日期|date|0|rdrq|"}},
			{"养老保险待遇", "yldy", true, []string{"待遇核定编号|string|30|dyhdbh|", "@参保人员.个人社保编号|grsbbh", "待遇类别|string|20|dylb|", "基本养老金月标准|decimal|12|jbyljybz|元", "待遇开始日期|date|0|dyksrq|"}},
			{"创业担保贷款", "cydb", true, []string{"贷款合同编号|string|40|dkhtbh|", "@企业.统一社会信用代码|tyshxydm", "贷款金额|decimal|20|dkje|万元", "贴息金额|decimal|20|txje|元", "放款日期|date|0|fkrq|", "经办银行|string|100|jbyh|"}},
			{"劳动合同备案", "ldhtba", true, []string{"合同备案编号|string|30|htbabh|", "@企业.统一社会信用代码|tyshxydm", "合同类型|string|20|htlx|固定期限/无固定期限", "合同起始日期|date|0|htqsrq|", "合同终止日期|date|0|htzzrq|"}},
			{"劳务派遣许可", "lwpq", true, []string{"许可证编号|string|30|xkzbh|", "@企业.统一社会信用代码|tyshxydm", "@企业.企业名称|dwmc", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"人才引进", "rcyj", true, []string{"引进编号|string|30|yjbh|", "引进类别|string|50|yjlb|", "学历|string|20|xl|", "专业技术职务|string|50|zyjszw|", "批准日期|date|0|pzrq|"}},
			{"欠薪预警", "qxyj", true, []string{"预警编号|string|30|yjbh|", "工程项目名称|string|200|gcxmmc|", "@企业.统一社会信用代码|tyshxydm", "预警日期|date|0|yjrq|", "涉及人数|integer|6|sjrs|", "处置结果|string|100|czjg|"}},
			{"就业见习基地", "jxjd", true, []string{"见习基地编号|string|30|jxjdbh|", "@企业.统一社会信用代码|tyshxydm", "见习岗位数|integer|6|jxgws|", "在岗见习人数|integer|6|zgjxrs|", "认定日期|date|0|rdrq|"}},
			{"职业技能培训补贴", "pxbt", true, []string{"补贴申请编号|string|30|btsqbh|", "培训项目|string|100|pxxm|", "培训机构|string|200|pxjg|", "结业日期|date|0|jyrq|", "补贴金额|decimal|12|btje|元"}},
		},
		tmpls: []template{
			{"参保单位", []string{"基本信息", "变更信息", "注销信息", "统计信息", "核查信息", "信用评价信息"}, "RSJ-ZZ-001", "C", "N", "daily", "basic", "database", "社会保险参保单位登记"},
			{"参保人员", []string{"基本信息", "变更信息", "统计信息", "核查信息"}, "RSJ-ZZ-001", "C", "N", "daily", "basic", "database", "社会保险参保人员（个人信息以摘要存储）"},
			{"就业登记", []string{"基本信息", "注销信息", "统计信息"}, "RSJ-ZZ-002", "C", "N", "daily", "thematic", "database", "城镇就业登记"},
			{"失业登记", []string{"基本信息", "注销信息", "统计信息", "发放信息"}, "RSJ-ZZ-002", "C", "N", "daily", "thematic", "database", "失业登记与失业保险金"},
			{"职业技能等级证书", []string{"基本信息", "补证信息", "撤销信息", "注销信息", "统计信息"}, "RSJ-ZZ-003", "U", "C", "monthly", "thematic", "database", "职业技能等级认定证书"},
			{"劳动保障监察案件", []string{"基本信息", "办理过程信息", "行政处罚信息", "统计信息"}, "RSJ-ZZ-004", "C", "C", "daily", "departmental", "database", "劳动保障监察立案与处理"},
			{"人力资源服务许可", []string{"许可信息", "变更信息", "延续信息", "注销信息", "监督检查信息", "抽查结果信息"}, "RSJ-ZZ-005", "U", "U", "monthly", "thematic", "database", "人力资源服务机构许可"},
			{"工伤认定", []string{"基本信息", "统计信息"}, "RSJ-ZZ-006", "N", "N", "daily", "departmental", "database", "工伤认定结论（含职工健康信息，不予共享）"},
			{"养老保险待遇", []string{"基本信息", "发放信息", "统计信息"}, "RSJ-ZZ-007", "C", "N", "monthly", "thematic", "database", "基本养老保险待遇核定与发放"},
			{"创业担保贷款", []string{"基本信息", "发放信息", "统计信息"}, "RSJ-ZZ-008", "C", "N", "monthly", "thematic", "database", "创业担保贷款与贴息"},
			{"劳动合同备案", []string{"基本信息", "变更信息", "注销信息", "统计信息"}, "RSJ-ZZ-004", "C", "N", "daily", "thematic", "database", "劳动合同网签备案"},
			{"劳务派遣许可", []string{"许可信息", "变更信息", "延续信息", "注销信息", "监督检查信息"}, "RSJ-ZZ-005", "U", "U", "monthly", "thematic", "database", "劳务派遣经营许可"},
			{"人才引进", []string{"基本信息", "统计信息"}, "RSJ-ZZ-005", "C", "N", "monthly", "thematic", "database", "人才引进审批（个人信息不予开放）"},
			{"欠薪预警", []string{"基本信息", "办理过程信息", "统计信息"}, "RSJ-ZZ-004", "C", "N", "daily", "departmental", "database", "根治欠薪预警与处置"},
			{"就业见习基地", []string{"基本信息", "发放信息", "统计信息"}, "RSJ-ZZ-008", "U", "U", "quarterly", "departmental", "spreadsheet", "高校毕业生就业见习基地"},
			{"职业技能培训补贴", []string{"基本信息", "发放信息", "核查信息"}, "RSJ-ZZ-008", "C", "N", "monthly", "thematic", "spreadsheet", "职业技能培训补贴申领"},
		}},
	{code: "WJW", db: "wjw_wsjd",
		duties: [][3]string{
			{"WJW-ZZ-001", "医疗机构执业登记与校验", "《医疗机构管理条例》第十五条"},
			{"WJW-ZZ-002", "医师护士执业注册", "《中华人民共和国医师法》第十三条"},
			{"WJW-ZZ-003", "出生医学证明管理", "《中华人民共和国母婴保健法》第二十三条"},
			{"WJW-ZZ-004", "预防接种管理", "《中华人民共和国疫苗管理法》第四十四条"},
			{"WJW-ZZ-005", "公共场所卫生监督", "《公共场所卫生管理条例》第八条"},
			{"WJW-ZZ-006", "传染病疫情报告与防控", "《中华人民共和国传染病防治法》第三十条"},
			{"WJW-ZZ-007", "家庭医生签约服务", "《关于推进家庭医生签约服务的指导意见》（国医改办发〔2016〕1号）"},
			{"WJW-ZZ-008", "卫生健康行政执法", "《中华人民共和国基本医疗卫生与健康促进法》第八十六条"},
			{"WJW-ZZ-009", "放射诊疗许可", "《放射诊疗管理规定》第十一条"},
		},
		subjects: []subject{
			{"医疗机构", "yljg", true, []string{"医疗机构登记号|string|22|yljgdjh|", "医疗机构名称|string|200|yljgmc|", "机构统一社会信用代码|string|18|tyshxydm|事业单位由编办赋码，非本部门权威",
				"机构类别|string|50|jglb|医院/社区卫生服务中心/诊所等", "经营性质|string|10|jyxz|营利/非营利", "法定代表人|string|50|fddbr|", "诊疗科目|text|2000|zlkm|", "核定床位数|integer|6|hdcws|",
				"地址|string|200|dz|", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"医师执业注册", "yszc", true, []string{"医师执业证书编码|string|30|yszyzsbm|", "执业类别|string|20|zylb|临床/中医/口腔/公共卫生", "执业范围|string|100|zyfw|", "@医疗机构.医疗机构登记号|zyjgdjh",
				"注册日期|date|0|zcrq|", "医师资格证书编码|string|30|yszgzsbm|"}},
			{"护士执业注册", "hszc", true, []string{"护士执业证书编号|string|30|hszyzsbh|", "@医疗机构.医疗机构登记号|zyjgdjh", "注册日期|date|0|zcrq|", "有效期至|date|0|yxqz|"}},
			{"出生医学证明", "csyxzm", true, []string{"出生医学证明编号|string|20|csyxzmbh|", "出生日期|datetime|0|csrq|", "出生孕周|integer|2|csyz|", "出生体重|integer|5|cstz|克",
				"@医疗机构.医疗机构登记号|qfjgdjh", "签发日期|date|0|qfrq|", "母亲证件号码摘要|string|64|mqzjhmzy|SM3 摘要，不存明文"}},
			{"预防接种", "yfjz", true, []string{"接种记录编号|string|40|jzjlbh|", "疫苗名称|string|100|ymmc|", "疫苗批号|string|30|ympch|", "接种剂次|integer|2|jzjc|",
				"接种日期|date|0|jzrq|", "@医疗机构.医疗机构登记号|jzdwdjh"}},
			{"公共场所卫生许可", "ggcswsxk", true, []string{"卫生许可证号|string|30|wsxkzh|", "@企业.统一社会信用代码|tyshxydm", "@企业.企业名称|dwmc", "经营项目|string|200|jyxm|住宿/美容美发/游泳场所等",
				"经营地址|string|200|jydz|", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"传染病疫情", "crbyq", true, []string{"报告卡编号|string|30|bgkbh|", "病种|string|50|bz|", "报告日期|date|0|bgrq|", "@医疗机构.医疗机构登记号|bgdwdjh", "病例分类|string|20|blfl|", "个案信息摘要|string|64|gaxxzy|SM3 摘要"}},
			{"家庭医生签约", "jtys", true, []string{"签约编号|string|40|qybh|", "签约团队|string|100|qytd|", "@医疗机构.医疗机构登记号|qyjgdjh", "签约日期|date|0|qyrq|", "服务包|string|100|fwb|", "签约状态|string|10|qyzt|"}},
			{"放射诊疗许可", "fszlxk", true, []string{"放射诊疗许可证号|string|30|fszlxkzh|", "@医疗机构.医疗机构登记号|yljgdjh", "许可项目|string|200|xkxm|", "射线装置数量|integer|4|sxzzsl|", "发证日期|date|0|fzrq|", "校验日期|date|0|jyrq|"}},
			{"母婴保健技术服务许可", "mybj", true, []string{"母婴保健许可证号|string|30|mybjxkzh|", "@医疗机构.医疗机构登记号|yljgdjh", "许可项目|string|200|xkxm|产前筛查/助产技术等", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"医疗废物处置", "ylfw", true, []string{"处置记录编号|string|40|czjlbh|", "@医疗机构.医疗机构登记号|yljgdjh", "废物类别|string|50|fwlb|", "重量|decimal|12|zl|千克", "处置单位|string|200|czdw|", "转运日期|date|0|zyrq|"}},
			{"生活饮用水卫生许可", "yys", true, []string{"卫生许可证号|string|30|wsxkzh|", "@企业.统一社会信用代码|tyshxydm", "供水单位名称|string|200|gsdwmc|", "供水方式|string|20|gsfs|集中式/二次供水", "发证日期|date|0|fzrq|", "有效期至|date|0|yxqz|"}},
			{"院前急救", "yqjj", true, []string{"急救任务编号|string|40|jjrwbh|", "呼救时间|datetime|0|hjsj|", "到达现场时间|datetime|0|ddxcsj|", "@医疗机构.医疗机构登记号|sdyydjh", "急救结果|string|50|jjjg|"}},
			{"职业健康检查机构", "zyjkjc", true, []string{"备案编号|string|30|babh|", "@医疗机构.医疗机构登记号|yljgdjh", "检查类别|string|200|jclb|", "备案日期|date|0|barq|"}},
		},
		tmpls: []template{
			{"医疗机构", []string{"许可信息", "变更信息", "延续信息", "注销信息", "监督检查信息", "抽查结果信息", "行政处罚信息", "信用评价信息", "统计信息"}, "WJW-ZZ-001", "U", "U", "daily", "basic", "database", "辖区医疗机构执业登记与校验"},
			{"医师执业注册", []string{"基本信息", "变更信息", "补证信息", "注销信息", "统计信息"}, "WJW-ZZ-002", "C", "C", "daily", "thematic", "database", "医师执业注册（电子化注册）"},
			{"护士执业注册", []string{"基本信息", "变更信息", "注销信息"}, "WJW-ZZ-002", "C", "C", "daily", "thematic", "database", "护士执业注册"},
			{"出生医学证明", []string{"基本信息", "核查信息", "统计信息"}, "WJW-ZZ-003", "C", "N", "realtime", "basic", "database", "出生医学证明签发（出生一件事）"},
			{"预防接种", []string{"基本信息", "统计信息"}, "WJW-ZZ-004", "C", "N", "realtime", "thematic", "database", "儿童预防接种记录（入托入学查验）"},
			{"公共场所卫生许可", []string{"许可信息", "变更信息", "延续信息", "注销信息", "监督检查信息", "抽查结果信息", "行政处罚信息"}, "WJW-ZZ-005", "U", "U", "daily", "thematic", "database", "公共场所卫生许可与监督"},
			{"传染病疫情", []string{"基本信息", "统计信息"}, "WJW-ZZ-006", "N", "N", "realtime", "departmental", "database", "法定传染病个案报告（不予共享，统计数据另行发布）"},
			{"家庭医生签约", []string{"基本信息", "统计信息", "核查信息"}, "WJW-ZZ-007", "C", "N", "daily", "thematic", "database", "家庭医生签约服务"},
			{"放射诊疗许可", []string{"许可信息", "变更信息", "延续信息", "监督检查信息"}, "WJW-ZZ-009", "U", "U", "monthly", "thematic", "database", "放射诊疗许可"},
			{"母婴保健技术服务许可", []string{"许可信息", "变更信息", "延续信息", "监督检查信息"}, "WJW-ZZ-001", "U", "U", "monthly", "thematic", "database", "母婴保健技术服务执业许可"},
			{"医疗废物处置", []string{"基本信息", "统计信息"}, "WJW-ZZ-008", "C", "N", "daily", "departmental", "database", "医疗废物收集转运处置"},
			{"生活饮用水卫生许可", []string{"许可信息", "变更信息", "延续信息", "注销信息", "监督检查信息"}, "WJW-ZZ-005", "U", "U", "monthly", "thematic", "database", "供水单位卫生许可"},
			{"院前急救", []string{"基本信息", "统计信息"}, "WJW-ZZ-006", "C", "N", "realtime", "departmental", "database", "120 院前急救任务"},
			{"职业健康检查机构", []string{"基本信息", "变更信息", "监督检查信息"}, "WJW-ZZ-008", "U", "U", "monthly", "departmental", "spreadsheet", "职业健康检查机构备案"},
		}},
}

var attr = map[string]string{"U": catalog.Unconditional, "C": catalog.Conditional, "N": catalog.NotShared}

type spec struct {
	key, name, typ, column, desc string
	length                       int
	ref                          bool
}

func parseSpec(subj string, s string, all map[string]spec) spec {
	if strings.HasPrefix(s, "@") {
		key, col, _ := strings.Cut(s[1:], "|")
		base, ok := all[key]
		if !ok {
			panic("unknown item reference " + key)
		}
		base.column, base.ref = col, true
		return base
	}
	f := strings.Split(s, "|")
	n, _ := strconv.Atoi(f[2])
	return spec{key: subj + "." + f[0], name: f[0], typ: f[1], length: n, column: f[3], desc: f[4]}
}

func ddlType(s spec) string {
	switch s.typ {
	case "integer":
		return "BIGINT"
	case "decimal":
		return "DECIMAL(24,6)"
	case "date":
		return "DATE"
	case "datetime":
		return "DATETIME"
	case "boolean":
		return "CHAR(1)"
	case "text":
		return "TEXT"
	}
	return "VARCHAR(" + strconv.Itoa(s.length) + ")"
}

func main() {
	out := filepath.Join("catalog-chain", "testdata", "sample")
	all := map[string]spec{}
	// first pass: every subject's own items, so references resolve across departments
	for _, d := range depts {
		for _, s := range d.subjects {
			for _, it := range s.items {
				if !strings.HasPrefix(it, "@") {
					sp := parseSpec(s.name, it, all)
					all[sp.key] = sp
				}
			}
		}
	}
	sourced := map[string]string{} // key -> resource that is its source
	total, items := 0, 0
	for _, d := range depts {
		c := &catalogio.Catalog{Dept: d.code}
		for _, du := range d.duties {
			c.Duties = append(c.Duties, catalog.DutyMsg{Code: du[0], Name: du[1], LegalBasis: du[2], Status: catalog.StatusActive})
		}
		subjects := map[string]subject{}
		for _, s := range d.subjects {
			subjects[s.name] = s
		}
		n := 0
		for _, t := range d.tmpls {
			s := subjects[t.subject]
			for _, an := range t.aspects {
				a, ok := aspects[an]
				if !ok {
					panic("unknown aspect " + an)
				}
				n++
				code := fmt.Sprintf("%s-%s-%04d", district, d.code, n)
				var specs []spec
				for _, it := range s.items {
					specs = append(specs, parseSpec(s.name, it, all))
				}
				for _, it := range a.items {
					sp := parseSpec(s.name, it, all)
					all[sp.key] = sp
					specs = append(specs, sp)
				}
				r := catalog.ResourceMsg{Code: code, Name: s.name + a.name, Duties: []string{t.duty}, Category: t.category,
					Summary: t.summary + "（" + a.name + "）", Sharing: attr[t.sharing], Open: attr[t.open],
					UpdateCycle: t.cycle, Format: t.format, Status: catalog.StatusActive}
				switch r.Sharing {
				case catalog.Conditional:
					r.SharingBasis = basisShare + "；" + basisPI
				case catalog.NotShared:
					r.SharingBasis = basisDS + "；" + basisPI
				}
				if r.Open != catalog.Unconditional {
					r.OpenBasis = basisOpen
				}
				if an == "行政处罚信息" || an == "经营异常名录信息" {
					// 双公示: penalties and the abnormal-operation list are public
					r.Open, r.OpenBasis = catalog.Unconditional, ""
					if r.Sharing == catalog.NotShared {
						r.Sharing, r.SharingBasis = catalog.Unconditional, ""
					}
					r.Duties = append(r.Duties, dutyFor(d, "执法", "信用", t.duty))
					if r.Duties[1] == r.Duties[0] {
						r.Duties = r.Duties[:1]
					}
				}
				var ddl []string
				var cols []catalog.Column
				for _, sp := range specs {
					it := catalog.Item{Key: sp.key, Name: sp.name, Type: sp.typ, Length: sp.length, Description: sp.desc}
					if !sp.ref && s.owned && sourced[sp.key] == "" && sp.key != "医疗机构.机构统一社会信用代码" {
						it.Source = true
						sourced[sp.key] = code
					}
					r.Items = append(r.Items, it)
					cols = append(cols, catalog.Column{Item: sp.key, Column: sp.column})
					ddl = append(ddl, sp.column+" "+ddlType(sp))
				}
				c.Resources = append(c.Resources, r)
				items += len(r.Items)
				if t.format == "database" || t.format == "spreadsheet" {
					table := "t_" + s.abbr + "_" + a.abbr
					schema := "CREATE TABLE " + d.db + "." + table + " (" + strings.Join(ddl, ", ") + ")"
					c.Tables = append(c.Tables, catalog.TableMsg{System: s.abbr + "xt", Database: d.db, Table: table, Resource: code,
						SchemaSM3: smcrypto.SM3Hex([]byte(schema)), Columns: cols, Status: catalog.StatusActive})
				}
			}
		}
		catalogio.Sort(c)
		total += len(c.Resources)
		if err := catalogio.WriteCSVDir(filepath.Join(out, d.code), c); err != nil {
			panic(err)
		}
		if err := catalogio.WriteXLSX(filepath.Join(out, d.code+".xlsx"), c); err != nil {
			panic(err)
		}
		if err := os.Chmod(filepath.Join(out, d.code+".xlsx"), 0o644); err != nil {
			panic(err)
		}
		fmt.Printf("%-5s %3d duties %3d resources %4d items %3d tables\n", d.code, len(c.Duties), len(c.Resources), c.Items(), len(c.Tables))
	}
	fmt.Printf("total %d resources, %d data items\n", total, items)
}

// dutyFor finds the department's duty whose name contains one of words,
// else def.
func dutyFor(d dept, a, b, def string) string {
	for _, du := range d.duties {
		if strings.Contains(du[1], a) || strings.Contains(du[1], b) {
			return du[0]
		}
	}
	return def
}
