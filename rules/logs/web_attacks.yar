/*
  Attack strings in web server logs (Apache/Nginx access and error logs, JSON lines).
  Log scanning maps each match to its line. Patterns expect URL-encoded or raw forms as
  servers log them. Written for csirt-kit.
*/

rule log_sql_injection : log_attack
{
    meta:
        description = "SQL injection attempt in a logged request (UNION SELECT, boolean or time-based probes)"
        severity = "medium"
        category = "log-attack"
    strings:
        $union = /union(\+|%20|%09|%0a|\/\*\*\/|\/\*!?\d{0,5})+(all(\+|%20|\/\*\*\/)+)?(distinct(\+|%20)+)?select(\+|%20|%09|\/\*\*\/|\()/ nocase
        $schema = /from(\+|%20|%09|%0a|\/\*\*\/)+information_schema(\.|%2e)(tables|columns|schemata)/ nocase
        $sleep = /(and|or|%20|\+|'|%27)(\+|%20|\()*(sleep|benchmark|pg_sleep)(\(|%28)\d/ nocase
        $waitfor = /waitfor(\+|%20)+delay(\+|%20)+(%27|')/ nocase
        $bool = /(%27|')(\+|%20)*(or|and)(\+|%20)+(%27|')?\d+(%27|')?(\+|%20)*(=|%3d)(\+|%20)*(%27|')?\d+/ nocase
        $xpath = /(extractvalue|updatexml)(\(|%28)/ nocase
        $concat = /(group_concat|concat_ws)(\(|%28)[^ ]{0,80}(0x3a|%3a|user\(|version\()/ nocase
    condition:
        any of them
}

rule log_path_traversal_file_inclusion : log_attack
{
    meta:
        description = "Path traversal or local/remote file inclusion attempt in a logged request"
        severity = "medium"
        category = "log-attack"
    strings:
        $dots = /=(\.\.\/){2}|=(\.\.\\){2}|(\.\.\/){3}(\.\.\/){0,8}(etc|windows|winnt|proc|boot|root|wp-config|\.env)|(%2e%2e|\.%2e|%2e\.|%252e%252e)(\/|%2f|%5c|\\|%252f)(\.\.|%2e%2e|\.%2e|%2e\.|%252e%252e)(\/|%2f|%5c|\\|%252f)|\.\.(%2f|%5c|%252f)\.\.(%2f|%5c|%252f)/ nocase
        $passwd = /(\/|%2f)etc(\/|%2f)(passwd|shadow|hosts)/ nocase
        $winini = /(\\|\/|%5c|%2f)(win\.ini|boot\.ini)/ nocase
        $wrapper = /(=|%3d)(php|zip|phar|expect|data)(:|%3a)(\/|%2f){2}/ nocase
        $proc = /(\/|%2f)proc(\/|%2f)self(\/|%2f)(environ|cmdline|fd)/ nocase
        $rfi = /[?&][a-z_]{1,20}=(https?|ftp)(:|%3a)(\/|%2f){2}[^ "&]{3,200}\.(txt|jpg|gif|png)\?/ nocase
    condition:
        any of them
}

rule log_command_injection : log_attack
{
    meta:
        description = "OS command injection attempt in a logged request (wget/curl droppers, reverse shells)"
        severity = "high"
        category = "log-attack"
    strings:
        $dl = /(;|%3b|\||%7c|`|%60|\$\(|%24%28|&&|%26%26)(\+|%20)*(wget|curl|tftp|fetch)(\+|%20)+(-[a-z]{1,3}(\+|%20)+)?(https?|ftp|%68%74%74%70)?/ nocase
        $sh = /(;|%3b|\||%7c|`|%60|\$\(|%24%28)(\+|%20)*(\/bin\/|%2fbin%2f)(ba)?sh/ nocase
        $id = /=[^ "&]{0,60}(;|%3b|\||%7c|%60|%24%28)(\+|%20)*(id|whoami|uname(\+|%20)+-a|cat(\+|%20)+(\/|%2f)etc)(;|%3b|%60|%29|\+|%20|&| HTTP)/ nocase
        $revsh = /(bash(\+|%20)+-i(\+|%20)+(>&|%3e%26)|\/dev\/tcp\/\d|nc(\+|%20)+-e(\+|%20)|mkfifo(\+|%20)+\/tmp)/ nocase
        $chmod = /chmod(\+|%20)+(\+x|777|755)(\+|%20)+(\/tmp|%2ftmp|\/dev\/shm)/ nocase
    condition:
        any of them
}

rule log_log4shell : log_attack
{
    meta:
        description = "Log4Shell (CVE-2021-44228) JNDI lookup string, plain, encoded or obfuscated"
        severity = "high"
        category = "log-attack"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"
    strings:
        $plain = /\$\{(jndi|\$\{)/ nocase
        $enc = /(%24|\$)(%7b|\{)(jndi|%6a%6e%64%69)(:|%3a)/ nocase
        $obf1 = /\$\{(lower|upper|::-|env:[^}]{0,30}:-)[:}]?[jJ]?/ nocase
        $obf2 = /\$\{[^}]{0,40}:-j\}\$\{[^}]{0,40}:-n\}/ nocase
        $proto = /jndi(:|%3a)(ldap|ldaps|rmi|dns|iiop|corba|nds|http)(:|%3a)/ nocase
    condition:
        $plain and ($proto or $obf1 or $obf2) or $enc or $obf2 or $proto
}

rule log_shellshock : log_attack
{
    meta:
        description = "Shellshock (CVE-2014-6271) function definition in a header or request"
        severity = "high"
        category = "log-attack"
        reference = "https://nvd.nist.gov/vuln/detail/CVE-2014-6271"
    strings:
        $s1 = /\(\)( |%20)*\{( |%20)*(:|_|%3a)( |%20)*;( |%20)*\}( |%20)*;/
        $s2 = /\(\)( |%20)*\{( |%20)*_;( |%20)*\}( |%20)*>_\[\$\(\$\(\)\)\]/
    condition:
        any of them
}

rule log_scanner_user_agent : log_attack scanner
{
    meta:
        description = "Request from a known vulnerability scanner or attack tool (by user agent)"
        severity = "low"
        category = "scanner"
    strings:
        $ua1 = "sqlmap/" nocase
        $ua2 = "Nikto" ascii
        $ua3 = "Nmap Scripting Engine" ascii
        $ua4 = "masscan/" nocase
        $ua5 = "zgrab/" nocase
        $ua6 = "Nuclei - Open-source project" ascii
        $ua7 = "WPScan v" ascii
        $ua8 = "DirBuster" ascii
        $ua9 = "gobuster/" ascii
        $ua10 = "Fuzz Faster U Fool" ascii
        $ua11 = "Acunetix" ascii
        $ua12 = "Netsparker" ascii
        $ua13 = "OpenVAS" ascii
        $ua14 = "Havij" ascii
        $ua15 = "commix/" nocase
        $ua16 = "w3af.org" ascii
        $ua17 = "ZmEu" ascii
        $ua18 = "Morfeus Fucking Scanner" ascii
        $ua19 = "nuclei/" ascii
        $ua20 = "feroxbuster/" ascii
    condition:
        any of them
}

rule log_webshell_access : log_attack webshell
{
    meta:
        description = "Requests to likely web shells: PHP in upload folders, known shell names, command parameters"
        severity = "high"
        category = "webshell"
    strings:
        $upload = /"(GET|POST) \/[^ "]{0,120}\/(uploads?|files|images|img|tmp|cache|assets)\/[^ "?]{0,120}\.(php\d?|phtml|phar|jsp|aspx?)(\?[^ "]{0,200})? HTTP\/1\.[01]" 200 / nocase
        $names = /"(GET|POST) [^ "]{0,200}\/(wso|c99|r57|b374k|alfa|indoxploit|shell|cmd|mini|up|uploader|0x|x)\.(php\d?|phtml|jsp|aspx?)(\?[^ "]{0,200})? HTTP\/1\.[01]" 200 / nocase
        $param = /"(GET|POST) [^ "]{1,200}\.(php\d?|phtml|jsp|aspx?)\?(cmd|exec|command|c|shell)=(id|whoami|uname|ls|dir|pwd|cat|wget|curl)/ nocase
    condition:
        any of them
}
