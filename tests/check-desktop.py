#!/usr/bin/env python3
"""Checks of the desktop integration files (meson suite 'desktop').

    check-desktop.py desktop  FILE    desktop-file-validate on the merged .desktop file,
                                      which must carry a Czech Name and Comment
    check-desktop.py metainfo FILE    appstream-util validate-relax --nonet (and
                                      appstreamcli validate --no-net when installed)
                                      on the merged metainfo, which must carry Czech text
    check-desktop.py schema   DIR     glib-compile-schemas --strict --dry-run on DIR
    check-desktop.py icons    DIR     the scalable and symbolic app icons exist under DIR
                                      (data/icons/hicolor) and are SVG documents

Exit status 0 = pass, 1 = fail. The tools come from build-aux/deps.sh
(desktop-file-utils, appstream-util, libglib2.0-bin).
"""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

APP_ID = 'org.mymlstudio.Studio'


def run(argv):
    tool = shutil.which(argv[0])
    if tool is None:
        print(f'FAIL: {argv[0]} not found; build-aux/deps.sh installs it')
        return 1
    print('$ ' + ' '.join(argv))
    r = subprocess.run([tool] + argv[1:], capture_output=True, text=True)
    out = (r.stdout + r.stderr).strip()
    if out:
        print(out)
    if r.returncode != 0:
        print(f'FAIL: {argv[0]} exited with {r.returncode}')
        return 1
    return 0


def check_desktop(path):
    status = run(['desktop-file-validate', path])
    with open(path, encoding='utf-8') as f:
        keys = [line.split('=', 1)[0] for line in f if '=' in line]
    for key in ('Name[cs]', 'Comment[cs]', 'Keywords[cs]'):
        if key not in keys:
            print(f'FAIL: {path} has no {key}: the Czech translation did not reach it')
            status = 1
    for key in ('Exec', 'Icon', 'Categories', 'StartupNotify'):
        if key not in keys:
            print(f'FAIL: {path} has no {key}')
            status = 1
    return status


def check_metainfo(path):
    status = run(['appstream-util', 'validate-relax', '--nonet', path])
    if shutil.which('appstreamcli'):
        status |= run(['appstreamcli', 'validate', '--no-net', path])
    root = ET.parse(path).getroot()
    lang = '{http://www.w3.org/XML/1998/namespace}lang'
    if root.findtext('id') != APP_ID:
        print(f'FAIL: the component id is not {APP_ID}')
        status = 1
    if not any(e.get(lang) == 'cs' for e in root.iter('summary')):
        print(f'FAIL: {path} has no Czech summary: the translation did not reach it')
        status = 1
    if not any(e.get(lang) == 'cs' for e in root.iter('p')):
        print(f'FAIL: {path} has no Czech description')
        status = 1
    return status


def check_schema(path):
    return run(['glib-compile-schemas', '--strict', '--dry-run', path])


def check_icons(path):
    status = 0
    for rel in (f'scalable/apps/{APP_ID}.svg', f'symbolic/apps/{APP_ID}-symbolic.svg'):
        icon = os.path.join(path, rel)
        try:
            root = ET.parse(icon).getroot()
        except (OSError, ET.ParseError) as e:
            print(f'FAIL: {icon}: {e}')
            status = 1
            continue
        if root.tag != '{http://www.w3.org/2000/svg}svg':
            print(f'FAIL: {icon} is not an SVG document')
            status = 1
        else:
            print(f'{rel}: SVG {root.get("width")}×{root.get("height")}')
    return status


def main():
    modes = {'desktop': check_desktop, 'metainfo': check_metainfo,
             'schema': check_schema, 'icons': check_icons}
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        print(__doc__)
        return 2
    return modes[sys.argv[1]](sys.argv[2])


if __name__ == '__main__':
    sys.exit(main())
