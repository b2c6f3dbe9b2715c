/* Web shells as the web scan sees them: the page a planted shell serves over HTTP (its login
   form or its file-manager UI), not its PHP source. Written for csirt-kit. */

rule webshell_page_disguised_login : webshell
{
    meta:
        description = "Page shows a lone password form under an error title (a web shell's login disguised as 403/404)"
        severity = "critical"
        category = "webshell"
    strings:
        $title = /<title>\s*(403|404|500|Forbidden|Not Found|404 Not Found|403 Forbidden)\s*<\/title>/ nocase
        $pass = /<input[^>]{0,80}type=["']?password["']?[^>]{0,80}name=["']?(pass|pwd|password|p|key)\b/ nocase
        $pass2 = /<input[^>]{0,80}name=["']?(pass|pwd|password|p|key)["']?[^>]{0,80}type=["']?password/ nocase
        $user = /<input[^>]{0,80}name=["']?(user|username|log|login|email)\b/ nocase
    condition:
        filesize < 20KB and $title and ($pass or $pass2) and not $user
}

rule webshell_page_shell_ui : webshell
{
    meta:
        description = "Page shows a web shell's interface (shell banner, server info and command or upload forms)"
        severity = "critical"
        category = "webshell"
    strings:
        $n1 = "FilesMan" ascii
        $n2 = "IndoXploit" nocase
        $n3 = "b374k" nocase
        $n4 = /\bWSO\s+[0-9.]+/ ascii
        $n5 = "c99shell" nocase
        $n6 = "r57shell" nocase
        $n7 = /Mini\s*Shell/ nocase
        $n8 = "Uname:" ascii
        $i1 = /Safe[\s_-]*mode\s*:\s*(<[^>]{1,40}>)?\s*(ON|OFF)/ nocase
        $i2 = "Disable Functions:" nocase
        $i3 = /Server\s*IP\s*:/ nocase
        $i4 = /(Your|Client)\s*IP\s*:/ nocase
        $f1 = /<input[^>]{0,80}name=["']?(cmd|command|c|a|p1)["'\s>]/ nocase
        $f2 = /<input[^>]{0,80}type=["']?file/ nocase
        $f3 = /<form[^>]{0,120}>/ nocase
    condition:
        filesize < 2MB and (
            (1 of ($n*) and $f3) or
            (2 of ($i*) and 1 of ($f1, $f2))
        )
}
