/* JSP web shells on Java application servers (Tomcat) of e-government systems. Written for csirt-kit. */

rule jsp_runtime_exec_request : webshell
{
    meta:
        description = "JSP runs a command taken from a request parameter"
        severity = "critical"
        category = "webshell"
    strings:
        $exec = /Runtime\.getRuntime\(\)\.exec\s*\(\s*request\.getParameter\s*\(/
        $pb = /new\s+ProcessBuilder\s*\([^;]{0,120}request\.getParameter/
        $jsp = "<%" ascii
        $rt = "Runtime.getRuntime().exec(" ascii
        $param = /String\s+\w{1,20}\s*=\s*request\.getParameter\s*\(/
    condition:
        $jsp and ($exec or $pb or ($rt and $param and filesize < 50KB))
}

rule jsp_class_loader_payload : webshell obfuscation
{
    meta:
        description = "JSP defines a class from base64 request data (memory shell loaders)"
        severity = "critical"
        category = "webshell"
    strings:
        $jsp = "<%" ascii
        $define = "defineClass" ascii
        $b64 = /(Base64\.getDecoder\(\)\.decode|BASE64Decoder\(\)\.decodeBuffer)/
        $req = /request\.(getReader|getInputStream|getParameter)\s*\(/
    condition:
        $jsp and $define and $b64 and $req
}
