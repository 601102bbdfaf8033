import json, os, re, shutil, collections
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFORMANCE = os.path.join(ROOT, '..', 'shared', 'conformance')
src = open(os.path.join(ROOT, 'crates', 'dojo-parsers', 'src', 'registry.rs')).read()
body = src.split('static PARSERS')[1].split('];')[0]
supported = set(re.findall(r'\(\s*"([^"]+)",\s*tools::', body))
idx = json.load(open(os.path.join(CONFORMANCE, 'index.json')))
fams = {'parse_json': ('.json', '.sarif', '.jsonl'), 'parse_xml': ('.xml', '.nessus'), 'parse_csv': ('.csv',)}
BUDGET = 3 * 1024 * 1024 + 512 * 1024
MAXF = 64 * 1024
for fam, exts in fams.items():
    out = os.path.join(HERE, 'seeds', fam)
    shutil.rmtree(out, ignore_errors=True); os.makedirs(out)
    cands = []
    for f in idx['files']:
        if not f['file'].lower().endswith(exts): continue
        sts = [f['scan_type']] + [v['scan_type'] for v in (f.get('variants') or [])]
        p = os.path.join(CONFORMANCE, f['path'])
        size = os.path.getsize(p)
        if size > MAXF: continue
        cands.append((not any(s in supported for s in sts), size, f['dir'], f['file'], p))
    # supported first, then round-robin over dirs, smallest first, so every tool gets seeds
    cands.sort()
    byd = collections.OrderedDict()
    for c in cands: byd.setdefault((c[0], c[2]), []).append(c)
    total = 0; n = 0
    for group in (False, True):
        queues = [q for (g, d), q in byd.items() if g == group]
        while any(queues):
            for q in queues:
                if not q: continue
                c = q.pop(0)
                if total + c[1] > BUDGET: continue
                shutil.copy(c[4], f'{out}/' + (c[2] + '__' + c[3]).replace('/', '_').replace(' ', '_'))
                total += c[1]; n += 1
    print(fam, n, 'files', total, 'bytes', 'supported scan types', len(supported))
