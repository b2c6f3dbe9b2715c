/* Card and credential skimmer JavaScript (Magecart-style) on payment and login pages. Written for csirt-kit. */

rule js_skimmer_checkout_exfil : skimmer
{
    meta:
        description = "Script watches checkout pages, collects form fields and sends them away encoded"
        severity = "critical"
        category = "skimmer"
    strings:
        $checkout = /(onepage|checkout|onestepcheckout|payment|billing)\|(onepage|checkout|onestepcheckout|payment|billing)/ nocase
        $fields = /querySelectorAll\s*\(\s*["'](input|form|select)[^"']{0,40}["']\s*\)/ nocase
        $enc = /\b(btoa|encodeURIComponent)\s*\(\s*JSON\.stringify/
        $send1 = /new\s+Image\s*\(\s*\)\s*\.\s*src\s*=/
        $send2 = "navigator.sendBeacon" ascii
        $send3 = /\.open\s*\(\s*["']POST["']/ nocase
    condition:
        $checkout and $fields and $enc and any of ($send*)
}

rule js_skimmer_card_fields : skimmer
{
    meta:
        description = "Script reads card number, expiry and CVV fields and sends them to another host"
        severity = "critical"
        category = "skimmer"
    strings:
        $cc1 = /["'#\[](cc[_-]?number|card[_-]?number|cardnumber)\b/ nocase
        $cc2 = /["'#\[](cc[_-]?cid|cvv2?|cvc|card[_-]?code|security[_-]?code)\b/ nocase
        $cc3 = /["'#\[](cc[_-]?exp|exp[_-]?date|expiry|expiration)/ nocase
        $exfil = /(new\s+Image\s*\(\s*\)\s*\.\s*src|navigator\.sendBeacon|fetch)\s*[=(]\s*["'`]https?:\/\/[^"'`]{4,120}["'`]?\s*\+/ nocase
        $b64 = /\b(btoa|atob)\s*\(/
    condition:
        filesize < 2MB and $cc1 and $cc2 and $cc3 and $exfil and $b64
}
