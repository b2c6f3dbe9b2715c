/*
  Server-side cloaking used by online-gambling (judi online) SEO injection: the PHP shows
  gambling content only to search-engine crawlers or visitors coming from a search engine.
  Written for csirt-kit.
*/

rule php_crawler_cloaking_remote_content : judol
{
    meta:
        description = "PHP serves remote content to search-engine crawlers only (judol SEO cloaking)"
        severity = "high"
        category = "judol"
    strings:
        $php = "<?" ascii
        $ua = /\$_SERVER\s*\[\s*['"]HTTP_(USER_AGENT|REFERER)['"]\s*\]/
        $bot = /(googlebot|bingbot|google\|bing|bot\|crawl|slurp)/ nocase
        $fetch = /\b(file_get_contents|curl_exec|readfile|fopen|include)\s*\(\s*['"]?https?:\/\// nocase
        $fetch2 = /\b(file_get_contents|curl_init)\s*\(\s*\$[a-z_]{1,20}\s*\)/ nocase
        $url = /['"]https?:\/\/[^'"]{4,200}\.(txt|html|php|jpg)['"]/ nocase
    condition:
        filesize < 200KB and $php and $ua and $bot and ($fetch or ($fetch2 and $url))
}

rule php_judol_keyword_injection : judol
{
    meta:
        description = "PHP echoes gambling keywords or links into pages (judol injection in theme or core files)"
        severity = "high"
        category = "judol"
    strings:
        $php = "<?" ascii
        // The rare keywords anchor the search; echo/print is checked within 400 bytes before.
        $kw = /(slot\s*gacor|situs\s*slot|slot\s*online|togel|maxwin|judi\s*online|scatter\s*hitam|slot88|rtp\s*live)/ nocase
        $echo = /\b(echo|print)\s*['"(]/ nocase
    condition:
        $php and $kw and for any i in (1..#kw) : (
            for any j in (1..#echo) : (@echo[j] < @kw[i] and @kw[i] - @echo[j] < 400))
}
