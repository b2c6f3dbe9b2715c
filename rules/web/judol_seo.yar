/*
  Indonesian online-gambling (judi online, "judol") SEO injection in pages of city sites:
  keyword stuffing, doorway pages, hidden link blocks and crawler-only redirects.
  A page that mentions gambling once (e.g. a warning against judi online) must not match.
  Written for csirt-kit.
*/

rule judol_keyword_stuffing : judol
{
    meta:
        description = "Page carries many distinct online-gambling terms (slot gacor, maxwin, togel...)"
        severity = "high"
        category = "judol"
    strings:
        $k1 = "slot gacor" nocase
        $k2 = "maxwin" nocase
        $k3 = "togel" nocase fullword
        $k4 = "situs judi" nocase
        $k5 = "slot88" nocase
        $k6 = "scatter hitam" nocase
        $k7 = "rtp live" nocase
        $k8 = "bandar togel" nocase
        $k9 = "situs slot" nocase
        $k10 = "gampang menang" nocase
        $k11 = "deposit pulsa" nocase
        $k12 = "link alternatif" nocase
        $k13 = "slot online" nocase
        $k14 = "mahjong ways" nocase
        $k15 = "pragmatic play" nocase
        $k16 = "sbobet" nocase
        $k17 = "toto macau" nocase
        $k18 = "slot thailand" nocase
        // words of pages that warn against gambling or report on it (news, public notices)
        $ctx1 = "bahaya" nocase fullword
        $ctx2 = "waspada" nocase fullword
        $ctx3 = "pemberantasan" nocase fullword
        $ctx4 = "memberantas" nocase fullword
        $ctx5 = "diblokir" nocase fullword
        $ctx6 = "satgas" nocase fullword
        $ctx7 = "kecanduan" nocase fullword
    condition:
        // a warning page may quote a handful of these words; only real stuffing carries 8
        8 of ($k*) or (4 of ($k*) and none of ($ctx*))
}

rule judol_doorway_title : judol
{
    meta:
        description = "Page title advertises online gambling (judol doorway page on a government host)"
        severity = "high"
        category = "judol"
    strings:
        // selling words only: a news title such as "Bahaya Judi Online dan Togel" must not match
        $title = /<title>[^<]{0,200}(slot\s*gacor|slot\s*online|situs\s*slot|maxwin|slot88|toto\s*macau|slot\s*thailand|togel\s*(hari\s*ini|online|terpercaya|4d|hk|sgp))/ nocase
        $meta = /<meta\s+name=["']description["']\s+content=["'][^"']{0,300}(slot\s*gacor|maxwin|situs\s*slot|togel\s*(hari\s*ini|online|terpercaya))/ nocase
    condition:
        $title or $meta
}

rule judol_hidden_link_block : judol
{
    meta:
        description = "Hidden block (display:none, off-screen or tiny font) with gambling links"
        severity = "high"
        category = "judol"
    strings:
        $hide1 = /style\s*=\s*["'][^"']{0,80}display\s*:\s*none/ nocase
        $hide2 = /style\s*=\s*["'][^"']{0,80}(left|top)\s*:\s*-\d{3,5}px/ nocase
        $hide3 = /style\s*=\s*["'][^"']{0,80}(font-size\s*:\s*[01]px|visibility\s*:\s*hidden|height\s*:\s*[01]px[^"']{0,40}overflow\s*:\s*hidden)/ nocase
        $link = /<a\s[^>]{0,200}href\s*=\s*["'][^"']{0,200}["'][^>]{0,100}>[^<]{0,60}(slot\s*gacor|slot\s*online|situs\s*slot|slot88|gacor|togel|maxwin|judi|casino|toto\s*(macau|togel|slot)|sbobet)/ nocase
    condition:
        for any i in (1..#link) : (
            for any j in (1..#hide1) : (@link[i] > @hide1[j] and @link[i] - @hide1[j] < 1500) or
            for any k in (1..#hide2) : (@link[i] > @hide2[k] and @link[i] - @hide2[k] < 1500) or
            for any m in (1..#hide3) : (@link[i] > @hide3[m] and @link[i] - @hide3[m] < 1500)
        )
}

rule judol_crawler_cloaking_js : judol
{
    meta:
        description = "Script sends search-engine visitors or crawlers to another site (judol cloaking redirect)"
        severity = "high"
        category = "judol"
    strings:
        $ref = /document\.referrer[^;]{0,120}(google|bing|yahoo|yandex)/ nocase
        $ua = /navigator\.userAgent[^;]{0,120}(googlebot|bot|crawl|spider)/ nocase
        $go = /(window\.|document\.|top\.)?location(\.href)?\s*(=|\.replace\s*\(|\.assign\s*\()\s*["'`]https?:\/\// nocase
        $judol = /(slot|gacor|togel|judi|maxwin|casino|toto|sbobet|zeus|bet)/ nocase
    condition:
        ($ref or $ua) and $go and $judol and
        for any i in (1..#go) : (for any j in (1..#ref) : (@go[i] - @ref[j] < 800 and @go[i] > @ref[j]) or
                                 for any k in (1..#ua) : (@go[i] - @ua[k] < 800 and @go[i] > @ua[k]))
}
