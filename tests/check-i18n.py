#!/usr/bin/env python3
"""Checks of the translations (meson suite 'i18n').

    check-i18n.py complete   SRCDIR  every message of po/*.po translated, none fuzzy,
                                     formats and accelerators consistent (msgfmt -c)
    check-i18n.py current    SRCDIR  a .pot made now from po/POTFILES has no message
                                     that po/*.po lacks, and no msgid cut short by a
                                     format macro (G_GSIZE_FORMAT and friends)
    check-i18n.py potfiles   SRCDIR  every file with marked strings is in po/POTFILES,
                                     and every file listed there exists

Exit status 0 = pass, 1 = fail, 77 = a needed tool is missing (never in CI: build-aux/deps.sh
installs gettext).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The same keywords and flags as meson's i18n.gettext(preset: 'glib'), so the
# .pot made here has the messages of the one `meson compile myml-studio-pot` makes.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_snprintf:3:c-format',
]

# What marks a string for translation, per kind of file.
C_MARKS = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_)\s*\(\s*"'
                     r'|(?<![A-Za-z0-9_])(?:g_d?n?gettext|g_dpgettext2?|n?gettext|dngettext)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')


def fail(msg):
    print('FAIL: ' + msg)
    return 1


def need(tool):
    path = shutil.which(tool)
    if path is None:
        print(f'SKIP: {tool} not found (package gettext)')
        sys.exit(77)
    return path


def po_files(srcdir):
    podir = os.path.join(srcdir, 'po')
    langs = []
    with open(os.path.join(podir, 'LINGUAS'), encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0]
            langs += line.split()
    return [(lang, os.path.join(podir, lang + '.po')) for lang in langs]


def read_potfiles(srcdir):
    entries = []
    with open(os.path.join(srcdir, 'po', 'POTFILES'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                entries.append(line)
    return entries


def check_complete(srcdir):
    msgfmt = need('msgfmt')
    msgattrib = need('msgattrib')
    status = 0
    langs = po_files(srcdir)
    if not langs:
        return fail('po/LINGUAS names no language')
    for lang, po in langs:
        if not os.path.exists(po):
            status = fail(f'{lang} is in po/LINGUAS but {po} does not exist')
            continue
        r = subprocess.run([msgfmt, '-c', '--check-format', '--check-accelerators=_',
                            '--statistics', '-o', os.devnull, po],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL='C'))
        stats = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''
        print(f'{lang}: {stats}')
        if r.returncode != 0:
            print(r.stderr)
            status = fail(f'msgfmt -c --check-format rejects {po}')
        for what, opt in (('untranslated', '--untranslated'), ('fuzzy', '--only-fuzzy')):
            out = subprocess.run([msgattrib, opt, '--no-obsolete', '--no-wrap', po],
                                 capture_output=True, text=True, check=True).stdout
            ids = [m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m]
            if ids:
                for i in ids:
                    print(f'  {what}: "{i}"')
                status = fail(f'{po}: {len(ids)} {what} message(s)')
    return status


def make_pot(srcdir, tmp):
    xgettext = need('xgettext')
    pot = os.path.join(tmp, 'fresh.pot')
    listfile = os.path.join(tmp, 'POTFILES')
    with open(listfile, 'w', encoding='utf-8') as f:
        f.write('\n'.join(read_potfiles(srcdir)) + '\n')
    r = subprocess.run([xgettext, '--package-name=myml-studio', '-D', srcdir, '-f', listfile,
                        '-o', pot] + XGETTEXT_ARGS,
                       capture_output=True, text=True, env=dict(os.environ, LC_ALL='C'))
    return r, pot


def parse_po(path):
    """{(msgctxt, msgid, msgid_plural): (translated, fuzzy)} of the live messages of a
    .po or .pot; strings are kept as written (both files come from gettext's tools)."""
    entries = {}
    cur, fields, field, flags = {}, {}, None, ''

    def flush():
        if 'msgid' in fields and fields['msgid'] != '':
            strs = [v for k, v in fields.items() if k.startswith('msgstr')]
            key = (fields.get('msgctxt'), fields['msgid'], fields.get('msgid_plural'))
            entries[key] = (bool(strs) and all(strs), 'fuzzy' in flags)

    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if line.startswith('#~') or not line.strip():
                if fields:
                    flush()
                fields, field, flags = {}, None, ''
                continue
            if line.startswith('#,'):
                if fields:
                    flush()
                    fields, field = {}, None
                flags += line
                continue
            if line.startswith('#'):
                continue
            m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$', line)
            if m:
                if m.group(1) in ('msgctxt', 'msgid') and 'msgid' in fields:
                    flush()
                    fields, flags = {}, ''
                field = m.group(1)
                fields[field] = m.group(2)
            elif line.startswith('"') and field is not None:
                fields[field] += line[1:-1]
    if fields:
        flush()
    return entries


def check_current(srcdir):
    status = 0
    with tempfile.TemporaryDirectory() as tmp:
        r, pot = make_pot(srcdir, tmp)
        if r.returncode != 0:
            print(r.stderr)
            return fail('xgettext could not make a .pot from po/POTFILES')
        # A format macro inside a marked string (_("%" G_GSIZE_FORMAT " items"))
        # is invisible to xgettext: the msgid stops at the macro, so the string
        # the program looks up at run time is in no catalogue and is never
        # translated. Use %zu, %u, or format the number into a %s first.
        cut = [l for l in r.stderr.splitlines() if 'ends in the middle of a directive' in l]
        if cut:
            for line in cut:
                print('  ' + line)
            status = fail('marked strings cut short by a format macro such as G_GSIZE_FORMAT')
        wanted = parse_po(pot)
    print(f'fresh .pot: {len(wanted)} messages')
    for lang, po in po_files(srcdir):
        have = parse_po(po)
        missing = [k for k in wanted if k not in have]
        not_done = [k for k in wanted if k in have and (not have[k][0] or have[k][1])]
        for k in missing:
            print(f'  not in {lang}.po: "{k[1]}"' + (f' (context "{k[0]}")' if k[0] else ''))
        for k in not_done:
            print(f'  untranslated or fuzzy in {lang}.po: "{k[1]}"')
        stale = [k for k in have if k not in wanted]
        if stale:
            print(f'  note: {len(stale)} message(s) of {lang}.po no longer in the sources')
        if missing or not_done:
            status = fail(f'{po} is out of date with the sources: run `meson compile -C _build '
                          'myml-studio-update-po` and translate the new messages')
        else:
            print(f'{lang}: every message of the sources is translated')
    return status


def marked_files(srcdir):
    found = []
    for top in ('src', 'ui'):
        for root, dirs, files in os.walk(os.path.join(srcdir, top)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, srcdir)
                if name.endswith(('.c', '.h')):
                    pattern = C_MARKS
                elif name.endswith('.ui'):
                    pattern = UI_MARK
                else:
                    continue
                with open(path, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                # Comments may quote a marked string without marking it.
                if pattern is C_MARKS:
                    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
                    text = re.sub(r'//[^\n]*', ' ', text)
                if pattern.search(text):
                    found.append(rel)
    # The desktop entry, the metainfo and the schema are always translated.
    data = os.path.join(srcdir, 'data')
    for name in sorted(os.listdir(data)):
        if name.endswith(('.desktop.in', '.metainfo.xml.in', '.gschema.xml')):
            found.append(os.path.join('data', name))
    return found


def check_potfiles(srcdir):
    status = 0
    listed = read_potfiles(srcdir)
    for rel in listed:
        if not os.path.exists(os.path.join(srcdir, rel)):
            status = fail(f'po/POTFILES lists {rel}, which does not exist')
    if len(set(listed)) != len(listed):
        status = fail('po/POTFILES lists a file twice')
    found = marked_files(srcdir)
    missing = [rel for rel in found if rel not in listed]
    for rel in missing:
        print(f'  not in po/POTFILES: {rel}')
    if missing:
        status = fail(f'{len(missing)} file(s) with translatable strings missing from po/POTFILES')
    print(f'{len(found)} files with translatable strings, {len(listed)} listed in po/POTFILES')
    return status


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('complete', 'current', 'potfiles'):
        print(__doc__)
        return 2
    srcdir = os.path.abspath(sys.argv[2])
    return {'complete': check_complete, 'current': check_current,
            'potfiles': check_potfiles}[sys.argv[1]](srcdir)


if __name__ == '__main__':
    sys.exit(main())
