// Fidelity check: jsforce talks to the git-sfsync emulator unchanged.
// Usage: node fidelity.js <instance url> <access token> [<refresh token>]
// Prints one line per check ("name key=value ..."); the Rust test asserts on them.
'use strict';
const zlib = require('zlib');
const jsforce = require('jsforce');

const [url, token, refreshToken] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node fidelity.js <url> <token> [<refresh token>]');
  process.exit(2);
}
const VERSION = '63.0';

// A zip writer (deflate) small enough to need no dependency.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function zip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const packed = zlib.deflateRawSync(data);
    const nameBuf = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, packed);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// Lists entry names from a zip's central directory.
function zipNames(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names.sort();
}

const arr = (x) => (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]);
const META = `<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata"><apiVersion>${VERSION}</apiVersion><status>Active</status></ApexClass>
`;
const PACKAGE = (members) => `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata"><types>${members
  .map((m) => `<members>${m}</members>`)
  .join('')}<name>ApexClass</name></types><version>${VERSION}</version></Package>
`;

async function main() {
  const conn = new jsforce.Connection({ instanceUrl: url, accessToken: token, version: VERSION });
  conn.metadata.pollInterval = 50;
  conn.metadata.pollTimeout = 30000;

  const described = await conn.metadata.describe(VERSION);
  const objects = arr(described.metadataObjects);
  const apex = objects.find((o) => o.xmlName === 'ApexClass');
  console.log(`describe types=${objects.length > 400} apexclass_suffix=${apex && apex.suffix}`);

  const listed = arr(await conn.metadata.list([{ type: 'ApexClass' }], VERSION));
  console.log(`list names=${listed.map((p) => p.fullName).sort().join(',')} id_prefix=${listed.map((p) => p.id.slice(0, 3)).join(',')}`);
  const empty = arr(await conn.metadata.list([{ type: 'Flow' }], VERSION));
  console.log(`list_empty count=${empty.length}`);

  const retrieved = await conn.metadata
    .retrieve({
      apiVersion: VERSION,
      singlePackage: true,
      unpackaged: { types: [{ name: 'ApexClass', members: ['*', 'Missing'] }], version: VERSION },
    })
    .complete();
  const names = zipNames(Buffer.from(retrieved.zipFile, 'base64'));
  const problems = arr(retrieved.messages).map((m) => m.problem);
  console.log(`retrieve status=${retrieved.status} success=${retrieved.success} files=${names.join(',')}`);
  console.log(`retrieve_messages ${problems.join('|')}`);

  const good = zip({
    'package.xml': PACKAGE(['FromJsforce']),
    'classes/FromJsforce.cls': 'public class FromJsforce {\n    public Integer one() { return 1; }\n}\n',
    'classes/FromJsforce.cls-meta.xml': META,
  });
  const deployed = await conn.metadata
    .deploy(good, { singlePackage: true, rollbackOnError: true })
    .complete(true);
  const created = arr(deployed.details && deployed.details.componentSuccesses)
    .filter((m) => m.componentType === 'ApexClass')
    .map((m) => `${m.fullName}:created=${m.created}`);
  console.log(`deploy status=${deployed.status} success=${deployed.success} done=${deployed.done} components=${created.join(',')}`);

  const bad = zip({
    'package.xml': PACKAGE(['Broken']),
    'classes/Broken.cls': 'public class Broken {\n    void m() {\n        Integer x = ;\n    }\n}\n',
    'classes/Broken.cls-meta.xml': META,
  });
  const failed = await conn.metadata.deploy(bad, { singlePackage: true, rollbackOnError: true }).complete(true);
  const failure = arr(failed.details && failed.details.componentFailures)[0] || {};
  console.log(`deploy_failure status=${failed.status} file=${failure.fileName} line=${failure.lineNumber} column=${failure.columnNumber}`);

  const pending = await conn.metadata.deploy(good, { singlePackage: true });
  const cancel = await conn.metadata.cancelDeploy(pending.id);
  const afterCancel = await conn.metadata.checkDeployStatus(pending.id);
  console.log(`cancel done=${cancel.done} status=${afterCancel.status}`);

  if (refreshToken) {
    // A stale session: jsforce refreshes through the OAuth endpoint and retries.
    const refreshed = new jsforce.Connection({
      oauth2: { clientId: 'PlatformCLI', loginUrl: url },
      instanceUrl: url,
      accessToken: '00D000000000001!stale',
      refreshToken,
      version: VERSION,
    });
    let events = 0;
    refreshed.on('refresh', () => events++);
    const again = arr(await refreshed.metadata.list([{ type: 'ApexClass' }], VERSION));
    console.log(`refresh events=${events} names=${again.map((p) => p.fullName).sort().join(',')}`);
  }
}

main().catch((err) => {
  console.error(`fidelity failed: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
