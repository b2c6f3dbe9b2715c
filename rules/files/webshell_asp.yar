/* ASP and ASP.NET web shells (IIS hosts of older e-government apps). Written for csirt-kit. */

rule asp_eval_request : webshell
{
    meta:
        description = "Classic ASP evaluates request input (Eval/Execute of Request)"
        severity = "critical"
        category = "webshell"
    strings:
        $s = /\b(eval|execute|executeglobal)\s*\(?\s*request(\.form|\.querystring|\.item)?\s*\(/ nocase
    condition:
        $s
}

rule asp_wscript_shell_request : webshell
{
    meta:
        description = "ASP runs commands through WScript.Shell with request input"
        severity = "critical"
        category = "webshell"
    strings:
        $shell = /CreateObject\s*\(\s*"WScript\.Shell"\s*\)/ nocase
        $run = /\.(exec|run)\s*\(/ nocase
        $req = /\bRequest(\.Form|\.QueryString)?\s*\(/ nocase
    condition:
        filesize < 500KB and $shell and $run and $req
}

rule aspx_process_start_request : webshell
{
    meta:
        description = "ASP.NET page starts cmd.exe or loads an assembly from request input"
        severity = "critical"
        category = "webshell"
    strings:
        $page = /<%@\s*Page/ nocase
        $proc = "Process.Start" ascii
        $psi = "ProcessStartInfo" ascii
        $cmd = "cmd.exe" nocase
        $req = /Request(\.Form|\.QueryString|\.Params)?\s*\[/
        $asm = /Assembly\.Load\s*\(\s*Convert\.FromBase64String\s*\(\s*Request/ nocase
    condition:
        $asm or ($page and ($proc or $psi) and $cmd and $req)
}
