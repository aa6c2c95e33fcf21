# handle -> dict(id, name, kind, cc, city, org, person, ts, te, extra notes, tags)
C = {}


def a(h, id, name, kind, cc=None, city=None, org=None, person=None, ts=None, te=None, note=None, tags=None):
    C[h] = dict(
        actor_id=id,
        name=name,
        kind=kind,
        host_country=cc,
        host_city=city,
        organisation=org,
        person=person,
        tenure_start=ts,
        tenure_end=te,
        note=note,
        tags=tags,
    )


P = "People's Republic of China"
# embassies
for h, cc, city, country in [
    ("AmbassadeChine", "FR", "Paris", "France"),
    ("AmbCina", "IT", "Rome", "Italy"),
    ("ChinaEmbGermany", "DE", "Berlin", "Germany"),
    ("ChinaEmbOttawa", "CA", "Ottawa", "Canada"),
    ("ChinaInDenmark", "DK", "Copenhagen", "Denmark"),
    ("ChineseEmbinUK", "GB", "London", "the United Kingdom"),
    ("ChineseEmbinUS", "US", "Washington, D.C.", "the United States"),
    ("ChnEmbassy_jp", "JP", "Tokyo", "Japan"),
    ("China_Ukraine_", "UA", "Kyiv", "Ukraine"),
    ("ChineseEmbinRus", "RU", "Moscow", "Russia"),
    ("ChinaEmbEsp", "ES", None, "Spain"),
]:
    a(h, f"cn-emb-{cc.lower()}", f"Embassy of the {P} in {country}", "embassy", cc, city)
C["China_Ukraine_"]["note"] = "host_city Kyiv from the 2022 text; the 2024 text gives only the country"
C["ChineseEmbinRus"]["note"] = "host_city Moscow from the 2022 text; the 2024 text gives only the country"
C["ChinaEmbEsp"]["note"] = "only in the 2024 list, which names no city: host_city left empty"
# consulates general
for h, cc, city in [
    ("CCGBelfast", "GB", "Belfast"),
    ("China_Lyon", "FR", "Lyon"),
    ("ChinaCG_Ffm", "DE", "Frankfurt am Main"),
    ("ChinaCG_HH", "DE", "Hamburg"),
    ("ChinaCG_Muc", "DE", "Munich"),
    ("ChinaCG_NYC", "US", "New York"),
    ("ChinaCGCalgary", "CA", "Calgary"),
    ("chinacgedi", "GB", "Edinburgh"),
    ("ChinaCGMTL", "CA", "Montreal"),
    ("ChinaConsulate", "US", "Chicago"),
    ("ChinaConSydney", "AU", "Sydney"),
    ("ChinainVan", "CA", "Vancouver"),
    ("ChineseCon_Mel", "AU", "Melbourne"),
    ("ChnConsul_osaka", "JP", "Osaka"),
    ("ChnConsulateFuk", "JP", "Fukuoka"),
    ("ChnConsulateNag", "JP", "Nagasaki"),
    ("ChnConsulateNgo", "JP", "Nagoya"),
    ("ChnConsulateNgt", "JP", "Niigata"),
    ("consulat_de", "FR", "Strasbourg"),
    ("ConsulateSan", "US", "San Francisco"),
    ("ConsulChinaBcn", "ES", "Barcelona"),
]:
    slug = city.lower().replace(" am main", "").replace(" ", "")
    a(h, f"cn-cg-{cc.lower()}-{slug}", f"Consulate General of the {P} in {city}", "consulate", cc, city)
C["ChinaCG_Ffm"]["note"] = "2022 text says Frankfurt, 2024 text Frankfurt am Main"
C["ConsulChinaBcn"]["note"] = "only in the 2024 list"
C["consulat_de"]["note"] = "handle suggests 'consulat de ...'; the texts place it in Strasbourg, France"
# missions
a(
    "Chinamission2un",
    "cn-mission-un",
    f"Permanent Mission of the {P} to the United Nations",
    "mission",
    "US",
    "New York",
    "UN",
    note="text says 'to the U.N.' (UN headquarters): host US / New York",
)
a(
    "ChinaMissionGva",
    "cn-mission-un-geneva",
    f"Permanent Mission of the {P} to the UN Office at Geneva",
    "mission",
    "CH",
    "Geneva",
    "UN",
)
a(
    "ChinaMissionVie",
    "cn-mission-un-vienna",
    f"Permanent Mission of the {P} to the UN Office at Vienna",
    "mission",
    "AT",
    "Vienna",
    "UN",
)
a(
    "ChinaEUMission",
    "cn-mission-eu",
    f"Mission of the {P} to the European Union",
    "mission",
    "BE",
    "Brussels",
    "EU",
    note="text names no city; host BE / Brussels as the seat of the EU institutions",
)
# ambassadors
a(
    "Amb_ChenXu",
    "cn-amb-un-geneva-chen-xu",
    "Chen Xu, Permanent Representative of China to the UN Office at Geneva",
    "ambassador",
    "CH",
    "Geneva",
    "UN",
    "Chen Xu",
    "2019",
)
a(
    "ChinaAmbUN",
    "cn-amb-un-zhang-jun",
    "Zhang Jun, Permanent Representative of China to the United Nations",
    "ambassador",
    "US",
    "New York",
    "UN",
    "Zhang Jun",
    "2019",
    note="Permanent Representative to the U.N. (headquarters): host US / New York",
)
a(
    "AmbCuiTiankai",
    "cn-amb-us-cui-tiankai",
    "Cui Tiankai, former Chinese Ambassador to the United States",
    "ambassador",
    "US",
    None,
    None,
    "Cui Tiankai",
    "2013",
    "2021",
    note="already 'former' in the 2021 and 2022 lists",
)
a(
    "AmbKongXuanyou",
    "cn-amb-jp-kong-xuanyou",
    "Kong Xuanyou, Chinese Ambassador to Japan",
    "ambassador",
    "JP",
    None,
    None,
    "Kong Xuanyou",
    "2019",
    "2023",
)
a(
    "AmbLiJunhua",
    "cn-amb-it-li-junhua",
    "Li Junhua, Chinese Ambassador to Italy and San Marino",
    "ambassador",
    "IT",
    None,
    None,
    "Li Junhua",
    "2019",
    "2022",
    note="2022 text says Italy only; 2024 text adds San Marino (also accredited there); host_country IT",
)
a(
    "AmbLiuXiaoMing",
    "cn-amb-gb-liu-xiaoming",
    "Liu Xiaoming, former Chinese Ambassador to the United Kingdom",
    "ambassador",
    "GB",
    None,
    None,
    "Liu Xiaoming",
    "2010",
    "2021",
    note="'former' in the 2021 and 2022 lists",
)
a(
    "AmbQinGang",
    "cn-amb-us-qin-gang",
    "Qin Gang, Chinese Ambassador to the United States",
    "ambassador",
    "US",
    None,
    None,
    "Qin Gang",
    "2021",
    "2023",
)
a(
    "AmbZhengZeguang",
    "cn-amb-gb-zheng-zeguang",
    "Zheng Zeguang, Chinese Ambassador to the United Kingdom",
    "ambassador",
    "GB",
    None,
    None,
    "Zheng Zeguang",
    "2021",
)
a(
    "FuCong17",
    "cn-amb-eu-fu-cong",
    "Fu Cong, Chinese Ambassador to the European Union",
    "ambassador",
    "BE",
    "Brussels",
    "EU",
    "Fu Cong",
    "2022",
    note=(
        "lists disagree: 2022 text gives his then role, Director General of the MFA Department of Arms Control "
        "(acct_type other_official); the 2024 text gives the latest role, Ambassador to the EU (2022-), used here. "
        "host BE / Brussels / EU as for the mission to the EU (the text names no city)"
    ),
    tags=["former-mfa-dg-arms-control"],
)
# consuls general
a(
    "CGHuangPingNY",
    "cn-consulgen-us-newyork-huang-ping",
    "Huang Ping, Chinese Consul General in New York",
    "consul_general",
    "US",
    "New York",
    None,
    "Huang Ping",
    "2018",
)
a(
    "CGMeifangZhang",
    "cn-consulgen-gb-belfast-zhang-meifang",
    "Zhang Meifang, Chinese Consul General in Belfast",
    "consul_general",
    "GB",
    "Belfast",
    None,
    "Zhang Meifang",
    "2022",
)
a(
    "CGZhangPingLA",
    "cn-consulgen-us-losangeles-zhang-ping",
    "Zhang Ping, Chinese Consul General in Los Angeles",
    "consul_general",
    "US",
    "Los Angeles",
    None,
    "Zhang Ping",
    "2017",
    "2022",
)
a(
    "FukLyuGuijun",
    "cn-consulgen-jp-fukuoka-lyu-guijun",
    "Lü Guijun, Chinese Consul General in Fukuoka",
    "consul_general",
    "JP",
    "Fukuoka",
    None,
    "Lü Guijun",
    "2020",
    note="person named in the 2022 text only (the 2024 text gives the post without a name)",
)
a(
    "GeneralkonsulDu",
    "cn-consulgen-de-hamburg-du-xiaohui",
    "Du Xiaohui, Chinese Consul General in Hamburg",
    "consul_general",
    "DE",
    "Hamburg",
    None,
    "Du Xiaohui",
    note="marked suspended in the 2022 list (no metrics there); active in the 2021 snapshot; no tenure years given",
)
a(
    "xuejianosaka",
    "cn-consulgen-jp-osaka-xue-jian",
    "Xue Jian, Chinese Consul General in Osaka",
    "consul_general",
    "JP",
    "Osaka",
    None,
    "Xue Jian",
    "2021",
)
a(
    "zhu_jingyang",
    "cn-consulgen-es-barcelona-zhu-jingyang",
    "Zhu Jingyang, Chinese Consul General in Barcelona",
    "consul_general",
    "ES",
    "Barcelona",
    None,
    "Zhu Jingyang",
    "2021",
    note="only in the 2024 list",
)
# spokespersons
a(
    "SpokespersonCHN",
    "cn-mfa-spox-hua-chunying",
    "Hua Chunying, MFA Spokesperson",
    "spokesperson",
    "CN",
    "Beijing",
    "Ministry of Foreign Affairs",
    "Hua Chunying",
    "2019",
    note=(
        "the 2024 text gives 'Spokesperson & Director General, Information Department (2019-2021). Assistant Minister of Foreign Affairs (2021-)'; "
        "kept as spokesperson (all three lists; the 2024 text does not say the spokesperson role ended: the 2019-2021 range is read as the DG post); "
        "tenure_end left absent"
    ),
    tags=["assistant-minister-2021"],
)
a(
    "SpokespersonHZM",
    "cn-cpcid-spox-hu-zhaoming",
    "Hu Zhaoming, Spokesperson of the CPC International Department",
    "spokesperson",
    "CN",
    "Beijing",
    "CPC International Department",
    "Hu Zhaoming",
    "2019",
)
a(
    "SpoxCHNinUS",
    "cn-emb-us-spox-liu-pengyu",
    "Liu Pengyu, Spokesperson of the Chinese Embassy in the United States",
    "spokesperson",
    "US",
    "Washington, D.C.",
    None,
    "Liu Pengyu",
    "2021",
    note="host_city from the 2022 text",
)
a(
    "CHN_UN_NY",
    "cn-mission-un-spox",
    "Spokesperson of the Permanent Mission of China to the United Nations",
    "spokesperson",
    "US",
    "New York",
    "UN",
    note="role account, no person named",
)
a(
    "ChnMission",
    "cn-mission-un-geneva-spox-liu-yuyin",
    "Liu Yuyin, Spokesperson of the Chinese Mission to the UN Office at Geneva",
    "spokesperson",
    "CH",
    "Geneva",
    "UN",
    "Liu Yuyin",
    "2019",
    note="the texts run the two titles together ('Spokesperson, Permanent Representative of the P.R.C. to the U.N. office in Geneva'); read as spokesperson of the mission",
)
# MFA diplomats
for h, id, nm, role, ts, te in [
    ("Cao_Li_CHN", "cn-mfa-cao-li", "Cao Li", "Counsellor, Information Department, MFA", "2021", None),
    ("Li_Yang_China", "cn-mfa-li-yang", "Li Yang", "Counsellor, Information Department, MFA", "2021", None),
    ("Zhou_Li_CHN", "cn-mfa-zhou-li", "Zhou Li", "Counsellor, Information Department, MFA", "2002", None),
    (
        "XIEYongjun_CHN",
        "cn-mfa-xie-yongjun",
        "Xie Yongjun",
        "Head of Division, Information Department, MFA",
        None,
        None,
    ),
    (
        "WangLutongMFA",
        "cn-mfa-wang-lutong",
        "Wang Lutong",
        "Director General, Department of European Affairs, MFA",
        "2019",
        None,
    ),
    (
        "WuPeng_MFAChina",
        "cn-mfa-wu-peng",
        "Wu Peng",
        "Director General, Department of African Affairs, MFA",
        "2020",
        None,
    ),
    (
        "zhaobaogang2011",
        "cn-mfa-zhao-baogang",
        "Zhao Baogang",
        "Diplomat, Department of African Affairs, MFA",
        "2021",
        "2023",
    ),
]:
    a(
        h,
        id,
        f"{nm}, {role}",
        "diplomat",
        "CN",
        "Beijing",
        "Ministry of Foreign Affairs",
        nm,
        ts,
        te,
        note="acct_type other_official: an MFA official in Beijing, so diplomat",
    )
C["Zhou_Li_CHN"]["note"] += (
    "; tenure_start 2002 as the 2024 text gives it ('(2002-)'), probably service at the MFA rather than the post"
)
a(
    "zlj517",
    "cn-mfa-spox-zhao-lijian",
    "Zhao Lijian, MFA Spokesperson (2019-2023)",
    "spokesperson",
    "CN",
    "Beijing",
    "Ministry of Foreign Affairs",
    "Zhao Lijian",
    "2019",
    "2023",
    note=(
        "the 2021/2022 texts make him MFA Spokesperson & Deputy DG, Information Department; the 2024 text adds "
        "'(2019-2023). Deputy Director-General of the Department of Boundary and Ocean Affairs of China (2023-)'. "
        "Kept as spokesperson with tenure 2019-2023: the account was a spokesperson's voice over the whole collection period "
        "of all three lists; the later post is in tags"
    ),
    tags=["deputy-dg-boundary-ocean-affairs-2023"],
)
# ministries
a("MFA_China", "cn-mfa", f"Ministry of Foreign Affairs of the {P}", "ministry", "CN", "Beijing")
a(
    "DIOC_MFA_China",
    "cn-mfa-dioc",
    "Department of International Organizations and Conferences, Ministry of Foreign Affairs",
    "ministry",
    "CN",
    "Beijing",
    "Ministry of Foreign Affairs",
)
a(
    "chinascio",
    "cn-scio",
    f"State Council Information Office of the {P}",
    "ministry",
    "CN",
    "Beijing",
    note="host_city Beijing as a central government body; the text names no city",
)
# state media
for h, id, nm, note in [
    ("CGTNOfficial", "cn-media-cgtn", "China Global Television Network (CGTN)", None),
    ("ChinaDaily", "cn-media-chinadaily", "China Daily", None),
    (
        "CNS1952",
        "cn-media-cns-zh",
        "China News Service (Chinese)",
        "'(Chinese)' from the 2022 text; 2021/2024 say 'China News Service'",
    ),
    (
        "Echinanews",
        "cn-media-cns-en",
        "China News Service (English)",
        "role text from the 2022 list; the 2024 media list has an empty description",
    ),
    ("globaltimesnews", "cn-media-globaltimes", "Global Times", None),
    (
        "PDChina",
        "cn-media-peoplesdaily-en",
        "People's Daily (English)",
        "'(English)' from the 2022 text; 2021/2024 say 'People's Daily'",
    ),
    ("PDChinese", "cn-media-peoplesdaily-zh", "People's Daily (Chinese)", None),
    ("QiushiJournal", "cn-media-qiushi", "Qiushi Journal", None),
    ("XHNews", "cn-media-xinhua", "Xinhua News Agency", None),
    ("XinWen_Ch", "cn-media-voiceofchina", "Voice of China", None),
]:
    a(h, id, nm, "state_media", note=note)
a(
    "chenweihua",
    "cn-media-chinadaily-chen-weihua",
    "Chen Weihua, China Daily EU Bureau Chief and columnist",
    "state_media_journalist",
    None,
    None,
    "China Daily",
    "Chen Weihua",
    note="host_country left empty: the text says 'E.U. Bureau' but names no place",
)
a(
    "HuXijin_GT",
    "cn-media-globaltimes-hu-xijin",
    "Hu Xijin, Global Times commentator (former Editor-in-chief)",
    "state_media_journalist",
    None,
    None,
    "Global Times",
    "Hu Xijin",
    note="lists disagree: 2021 and 2024 texts say Editor-in-chief, the 2022 text 'commentator (former Editor-in-chief)'; the 2022 wording is kept as the more specific",
)
a(
    "shen_shiwei",
    "cn-media-cgtn-shen-shiwei",
    "Shen Shiwei, CGTN News Producer",
    "state_media_journalist",
    None,
    None,
    "CGTN",
    "Shen Shiwei",
)
