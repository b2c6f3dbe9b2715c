/* SSH brute force in syslog/auth logs (sshd). Written for csirt-kit. */

rule log_ssh_bruteforce : bruteforce
{
    meta:
        description = "Many failed SSH logins in one log chunk (brute force or password spraying)"
        severity = "medium"
        category = "bruteforce"
    strings:
        $fail = /sshd\[\d{1,7}\]: Failed password for (invalid user )?[^ ]{1,64} from [0-9a-f.:]{3,45} port \d{1,5}/
        $invalid = /sshd\[\d{1,7}\]: Invalid user [^ ]{0,64} ?from [0-9a-f.:]{3,45}/
        $maxauth = /sshd\[\d{1,7}\]: (error: )?maximum authentication attempts exceeded for/
    condition:
        #fail >= 10 or #invalid >= 10 or #maxauth >= 3
}
