/*
  PHP web shells and one-line backdoors, as planted in upload folders of city sites.
  Written for csirt-kit; patterns learned from public incident reports, not copied rule text.
*/

rule php_eval_decoded_payload : webshell obfuscation
{
    meta:
        description = "PHP evaluates a decoded or inflated payload (eval/assert of base64, gzinflate, rot13)"
        severity = "high"
        category = "webshell"
        reference = "https://www.php.net/manual/en/function.eval.php"
    strings:
        $eval = /\b(eval|assert)\s*\(\s*(@\s*)?(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode|hex2bin|rawurldecode)\s*\(/ nocase
    condition:
        $eval
}

rule php_request_to_exec : webshell
{
    meta:
        description = "PHP passes request input straight to a command or code execution function"
        severity = "critical"
        category = "webshell"
    strings:
        $direct = /\b(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|eval|assert)\s*\(\s*(@\s*)?(stripslashes\s*\(\s*|trim\s*\(\s*|base64_decode\s*\(\s*|urldecode\s*\(\s*)?\$_(GET|POST|REQUEST|COOKIE|SERVER\s*\[\s*['"]HTTP_)/ nocase
        $backtick = /(=|echo|print)\s*`\s*\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*`/
    condition:
        any of them
}

rule php_dynamic_call_from_request : webshell
{
    meta:
        description = "PHP calls a function whose name comes from the request ($_GET['f']($_POST['x']))"
        severity = "critical"
        category = "webshell"
    strings:
        $call = /\$_(GET|POST|REQUEST|COOKIE)\s*\[\s*['"]?[\w-]{1,32}['"]?\s*\]\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/
        $cuf = /\bcall_user_func(_array)?\s*\(\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
        $cf = /\bcreate_function\s*\([^)]{0,100}\$_(GET|POST|REQUEST|COOKIE)/ nocase
        $preg_e = /\bpreg_replace\s*\(\s*['"]\/[^'"\/]{0,80}\/[imsx]{0,4}e[imsx]{0,4}['"]\s*,\s*\$_(GET|POST|REQUEST|COOKIE)/ nocase
    condition:
        any of them
}

rule php_hex_escaped_function_names : webshell obfuscation
{
    meta:
        description = "PHP builds eval/system/base64_decode from hex or octal escapes to hide them"
        severity = "high"
        category = "webshell"
    strings:
        $eval_hex = "\\x65\\x76\\x61\\x6c" nocase
        $b64_hex = "\\x62\\x61\\x73\\x65\\x36\\x34" nocase
        $system_hex = "\\x73\\x79\\x73\\x74\\x65\\x6d" nocase
        $eval_oct = "\\145\\166\\141\\154"
        $b64_oct = "\\142\\141\\163\\145\\66\\64"
        $php = "<?" ascii
    condition:
        $php and any of ($eval_hex, $b64_hex, $system_hex, $eval_oct, $b64_oct)
}

rule php_small_uploader : webshell
{
    meta:
        description = "Small standalone PHP page that shows an upload form and stores the file where asked"
        severity = "high"
        category = "webshell"
    strings:
        $php = "<?php" nocase
        $move = "move_uploaded_file" nocase
        $copy = /\bcopy\s*\(\s*\$_FILES/ nocase
        $files = "$_FILES"
        $form = /<form[^>]{0,200}multipart\/form-data/ nocase
        $input = /<input[^>]{0,100}type\s*=\s*['"]?file/ nocase
        $wp = "wp_handle_upload" ascii
        $wpnonce = "wp_nonce" ascii
    condition:
        filesize < 20KB and $php and ($move or $copy) and $files and $form and $input
        and not $wp and not $wpnonce
}

rule php_known_shell_markers : webshell
{
    meta:
        description = "Names and banners of web shell kits seen on Indonesian government sites"
        severity = "critical"
        category = "webshell"
    strings:
        $k1 = "IndoXploit" nocase
        $k2 = "FilesMan" ascii
        $k3 = "b374k" nocase
        $k4 = "c99shell" nocase
        $k5 = "r57shell" nocase
        $k6 = "WSOsetcookie" ascii
        $k7 = "AnonymousFox" nocase
        $k8 = "alfa_shell" nocase
        $k9 = "Mini Shell" ascii
        $k10 = "uname -a" ascii
        $php = "<?" ascii
        $exec = /\b(shell_exec|passthru|system|proc_open|popen)\s*\(/ nocase
        $gpc = /\$_(GET|POST|REQUEST|COOKIE)\s*\[/
    condition:
        $php and $gpc and (any of ($k1, $k2, $k3, $k4, $k5, $k6, $k7, $k8) or ($k9 and $exec) or ($k10 and $exec and filesize < 200KB))
}

rule php_one_line_backdoor : webshell
{
    meta:
        description = "A very short PHP file that runs request input (classic one-line backdoor)"
        severity = "critical"
        category = "webshell"
    strings:
        $php = "<?" ascii
        $sink = /\b(eval|assert|system|exec|shell_exec|passthru|include|require)(_once)?\s*[\(\s]\s*(@\s*)?\$_(GET|POST|REQUEST|COOKIE)/ nocase
        $var = /\$_(GET|POST|REQUEST|COOKIE)\s*\[[^\]]{1,40}\]\s*\(/
    condition:
        filesize < 400 and $php and ($sink or $var)
}

rule php_long_encoded_blob_eval : webshell obfuscation
{
    meta:
        description = "PHP file with a long base64 blob and an eval-like sink (packed web shell)"
        severity = "high"
        category = "webshell"
    strings:
        $php = "<?" ascii
        $blob = /(base64_decode|gzinflate|gzuncompress|str_rot13)\s*\(\s*(base64_decode\s*\(\s*)?['"][A-Za-z0-9+\/=\\]{1000}/ nocase
        $sink = /\b(eval|assert|create_function)\s*\(/ nocase
        $decode = /\b(base64_decode|gzinflate|gzuncompress|str_rot13)\s*\(/ nocase
    condition:
        $php and $blob and $sink and $decode
}
