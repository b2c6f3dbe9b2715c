/* Browser crypto-miners injected into city pages. Written for csirt-kit. */

rule js_browser_miner : miner
{
    meta:
        description = "Page or script loads a browser crypto-miner (CoinHive-style, CryptoNight, WebMiner pools)"
        severity = "high"
        category = "miner"
    strings:
        $n1 = "coinhive.min.js" nocase
        $n2 = "CoinHive.Anonymous" ascii
        $n3 = "CoinHive.User" ascii
        $n4 = "cryptonight" nocase
        $n5 = "coin-hive.com" nocase
        $n6 = "crypto-loot.com" nocase
        $n7 = "webminepool" nocase
        $n8 = "deepMiner.Anonymous" ascii
        $n9 = "CRLT.Anonymous" ascii
        $n10 = "minero.cc" nocase
        $n11 = "jsecoin.com" nocase
        $n12 = /stratum\+(tcp|ssl):\/\// nocase
        $start = /\.start\s*\(\s*(CoinHive|\w{0,20}\.FORCE_|\{\s*threads)/
        $throttle = /throttle\s*:\s*0?\.\d/
    condition:
        any of ($n*) or ($start and $throttle)
}

rule server_miner_config : miner
{
    meta:
        description = "XMRig-style miner configuration or launcher left on a web server"
        severity = "high"
        category = "miner"
    strings:
        $pool = /["']url["']\s*:\s*["'][a-z0-9.-]{3,80}:\d{2,5}["']/ nocase
        $algo = /["']algo["']\s*:\s*["'](rx\/0|cn\/r|cryptonight|randomx)/ nocase
        $xmrig = "xmrig" nocase
        $donate = "donate-level" ascii
        $stratum = /stratum\+(tcp|ssl):\/\// nocase
    condition:
        ($xmrig and ($donate or $algo)) or ($pool and $algo) or ($xmrig and $stratum)
}
