/* Defacement pages: "hacked by" banners, greetings to crews, replaced index pages. Written for csirt-kit. */

rule defacement_hacked_by_banner : defacement
{
    meta:
        description = "Page says it was hacked or defaced by someone (defacement banner)"
        severity = "high"
        category = "defacement"
    strings:
        $title = /<title>[^<]{0,100}(hacked|defaced|h4ck3d|pwned|0wn3d|owned)\s+by\b/ nocase
        $h = /<(h1|h2|h3|center|font|marquee|b)[^>]{0,200}>[^<]{0,60}(hacked|defaced|h4ck3d|0wn3d)\s+by\b/ nocase
        $greet = /\b(greetz|greets|thanks\s+to|special\s+thanks)\b/ nocase
        $crew = /\b(cyber\s*army|cyber\s*team|black\s*hat|xploit|crew|team|security\s*team)\b/ nocase
    condition:
        $title or ($h and ($greet or $crew))
}

rule defacement_message_page : defacement
{
    meta:
        description = "Small page with typical defacer messages (your security is low, patch your system)"
        severity = "medium"
        category = "defacement"
    strings:
        $m1 = "your security is low" nocase
        $m2 = "security is just an illusion" nocase
        $m3 = "patch your system" nocase
        $m4 = "just a pentest" nocase
        $m5 = "touched by" nocase
        $m6 = "was here" nocase
        $m7 = "sorry admin" nocase
        $m8 = "hacked by" nocase
        $m9 = "defaced by" nocase
        $html = "<html" nocase
    condition:
        filesize < 100KB and $html and 2 of ($m*)
}
