/* t-dirs.c: unit tests for camtraced's own-directory rule (fsutil ct_fs_dir_claim/give) and the system checks of -n (dconf ct_dconf_check_system, ct_dconf_line). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "err.h"
#include "fsutil.h"
#include "sbuf.h"
#include "dconf.h"

static char tmp[] = "/tmp/t-dirs-XXXXXX";

static const char *at(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
	return buf[k];
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* Loads CONF (text) and runs the system check with flags; the messages in out. */
static int check(const char *text, unsigned flags, char *out, size_t outlen)
{
	struct ct_daemon_conf c;
	struct ct_sbuf errs;
	int r;

	write_file(at("c.conf"), text);
	ct_sbuf_init(&errs);
	r = ct_dconf_load(&c, at("c.conf"), &errs);
	if (r == 0)
		r = ct_dconf_check_system(&c, at("c.conf"), NULL, flags, &errs);
	snprintf(out, outlen, "%s", errs.p ? errs.p : "");
	ct_sbuf_fini(&errs);
	ct_dconf_free(&c);
	return r;
}

int main(void)
{
	enum ct_fs_claim how;
	char err[512], out[4096], want[2048], conf[2048];
	struct stat sb;
	uid_t other = getuid() + 12345;

	if (!mkdtemp(tmp))
		return 1;

	/* ---- ct_fs_dir_claim: missing, own, someone else's, dedicated, a link ---- */
	is_int(ct_fs_dir_claim(at("new/sub"), other, 0750, 0, 1, &how, err, sizeof err), 0, "missing: accepted");
	is_int(how, CT_FS_CLAIM_MISSING, "... as missing");
	ok(stat(at("new"), &sb) != 0, "check_only made nothing");
	is_int(ct_fs_dir_claim(at("new/sub"), other, 0750, 0, 0, &how, err, sizeof err), 0, "missing: created");
	ok(stat(at("new/sub"), &sb) == 0 && (sb.st_mode & 07777) == 0750 && sb.st_uid == getuid(),
		"... mode 0750, still its creator's until given");
	is_int(ct_fs_dir_claim(tmp, getuid(), 0750, 0, 1, &how, err, sizeof err), 0, "already the user's: accepted");
	is_int(how, CT_FS_CLAIM_OWNED, "... as owned");
	is_int(ct_fs_dir_claim(tmp, other, 0750, 0, 1, &how, err, sizeof err), CT_EPERM, "someone else's: refused");
	is_int(how, CT_FS_CLAIM_FOREIGN, "... as foreign");
	ok(strstr(err, "was not created by this daemon") != NULL, "... saying why: %s", err);
	is_int(ct_fs_dir_claim(tmp, other, 0750, 1, 1, &how, err, sizeof err), 0, "someone else's but dedicated: accepted");
	is_int(how, CT_FS_CLAIM_DEDICATED, "... as dedicated");
	if (symlink(tmp, at("link")) != 0)
		return 1;
	is_int(ct_fs_dir_claim(at("link"), getuid(), 0750, 1, 1, &how, err, sizeof err), CT_EPERM, "a symbolic link: refused");
	is_int(how, CT_FS_CLAIM_BAD, "... as bad");
	write_file(at("plain"), "x");
	is_int(ct_fs_dir_claim(at("plain/sub"), getuid(), 0750, 0, 1, &how, err, sizeof err), CT_ESYS,
		"missing under a plain file: cannot be created");
	ok(strstr(err, "Not a directory") != NULL, "... saying why: %s", err);

	/* ---- ct_fs_dir_give: the mode first, then the owner; 0 keeps the mode ---- */
	is_int(ct_fs_dir_give(at("new/sub"), getuid(), getgid(), 0700, err, sizeof err), 0, "give: to its own user");
	ok(stat(at("new/sub"), &sb) == 0 && (sb.st_mode & 07777) == 0700, "... with the mode asked for");
	is_int(ct_fs_dir_give(at("new/sub"), getuid(), getgid(), 0, err, sizeof err), 0, "give with mode 0");
	ok(stat(at("new/sub"), &sb) == 0 && (sb.st_mode & 07777) == 0700, "... keeps the mode");
	is_int(ct_fs_dir_give(at("link"), getuid(), getgid(), 0700, err, sizeof err), CT_EPERM, "give: never through a link");

	/* ---- ct_dconf_line: the last line setting a keyword, 0 for the default ---- */
	write_file(at("l.conf"), "# user = x\nport = 2425\n  user = a\nuser_name = b\nuser\t= c\n");
	is_int(ct_dconf_line(at("l.conf"), "user"), 5, "ct_dconf_line: the last setting wins (comments, prefixes ignored)");
	is_int(ct_dconf_line(at("l.conf"), "state_file"), 0, "... 0 when the default holds");

	/* ---- ct_dconf_check_system: what -n refuses as the start does ---- */
	snprintf(conf, sizeof conf, "state_file = %s\nctl_socket = %s\npidfile =\nuser = nosuchuser-ct\n",
		at("s/state.json"), at("s/ctl.sock"));
	is_int(check(conf, 0, out, sizeof out), CT_ECONFIG, "user = nosuchuser-ct: refused");
	snprintf(want, sizeof want, "%s:4: user 'nosuchuser-ct' does not exist: create it (useradd --system "
		"--no-create-home --shell /usr/sbin/nologin nosuchuser-ct) or set `user` to an existing account\n", at("c.conf"));
	is_str(out, want, "... with file:line and the fix");
	snprintf(conf, sizeof conf, "state_file = %s\nctl_socket = %s\npidfile =\nuser = root\ncoop = yes\n"
		"ctl_group = nosuchgroup-ct\n", at("s/state.json"), at("s/ctl.sock"));
	is_int(check(conf, 0, out, sizeof out), CT_ECONFIG, "coop without rtp_echo and an unknown ctl_group: refused");
	snprintf(want, sizeof want, "%s:6: ctl_group 'nosuchgroup-ct' does not exist: create it (groupadd --system "
		"nosuchgroup-ct) or leave ctl_group empty (the group of `user`)\n%s:5: coop = yes needs rtp_echo = yes "
		"(cooperative requests come in on the RTP echo ports): add `rtp_echo = yes`, or set `coop = no`\n",
		at("c.conf"), at("c.conf"));
	is_str(out, want, "... both, each with file:line");
	snprintf(conf, sizeof conf, "state_file = %s\nctl_socket = %s\npidfile = %s\nlog = %s\nuser = root\n",
		at("s/state.json"), at("s/ctl.sock"), at("link"), at("new"));
	is_int(check(conf, CT_DCONF_CHECK_PIDFILE, out, sizeof out), CT_ECONFIG, "a linked pid file, a directory as log file: refused");
	snprintf(want, sizeof want, "%s:4: log %s is not a regular file; remove it, or set log to another path\n"
		"%s:3: pidfile %s is a symbolic link; refusing to follow it (remove it: whoever can write that directory "
		"could point it at any file)\n", at("c.conf"), at("new"), at("c.conf"), at("link"));
	is_str(out, want, "... each named");
	is_int(check(conf, 0, out, sizeof out), CT_ECONFIG, "without CT_DCONF_CHECK_PIDFILE the pid file is left to the start");
	ok(strstr(out, "pidfile") == NULL, "... and not named");
	snprintf(conf, sizeof conf, "state_file = %s\nctl_socket = %s\npidfile =\nuser = root\n",
		at("s/state.json"), at("s/ctl.sock"));
	is_int(check(conf, CT_DCONF_CHECK_PIDFILE | CT_DCONF_CHECK_AS_ROOT, out, sizeof out), 0,
		"a good configuration with user = root: nothing to refuse");
	is_str(out, "", "... and nothing said");

	snprintf(out, sizeof out, "rm -rf '%s'", tmp);
	if (system(out) != 0)
		return 1;
	return tap_done();
}
