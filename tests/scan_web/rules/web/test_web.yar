// Test rules for the web scanner tests (harmless strings; not the bundled rules).
rule test_judol : judol
{
    meta:
        description = "test: online-gambling spam"
        severity = "high"
    strings:
        $a = "slot gacor" nocase
        $b = "maxwin" nocase
    condition:
        any of them
}

rule test_skimmer : skimmer
{
    meta:
        description = "test: card skimmer script"
        severity = "critical"
    strings:
        $a = "skim-test-exfil"
    condition:
        $a
}

rule test_deface : defacement
{
    meta:
        description = "test: defacement banner"
        severity = "high"
    strings:
        $a = "hacked by test-crew" nocase
    condition:
        $a
}
