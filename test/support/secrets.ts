/**
 * Key-shaped strings of every kind Parley must never pass on, in the formats the vendors issue
 * (made up here, valid for no account). Tests plant them in files, notes, diagnostics and what the
 * user says, then look for them in everything that left.
 */
export const KEY_SAMPLES: Record<string, string> = {
  'AWS access key id': 'AKIAQYLPMN5HHHFPZAM2',
  'AWS secret access key': 'aws_secret_access_key = "1tUm636uS1yOEcfP5pvfqJ/ml36mF7AkyHsEU0IU"',
  'GitHub token': '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',
  'GitHub fine-grained token': 'github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW',
  'Google API key': 'AIzaSyDdR5m2kKfrQ8OvRM-0lW7lH9nO2Ykd7bk',
  'Stripe live key': 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
  'Slack bot token': 'xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1',
  'Anthropic key': `sk-ant-api03-${'Xy9'.repeat(31)}AA`,
  'OpenAI key': 'sk-proj-abcdefghij0123456789T3BlbkFJabcdefghij0123456789',
  'Deepgram key': 'DEEPGRAM_API_KEY=0123456789abcdef0123456789abcdef01234567',
  'OpenSSH private key': [
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
    'QyNTUxOQAAACDa4FQp5yOiGbyk1+Qek6RGl2F+oSKkwP9z7s4GafhxAQAAAJhkhPv1ZIT7',
    '-----END OPENSSH PRIVATE KEY-----',
  ].join('\n'),
  'RSA private key': [
    '-----BEGIN RSA PRIVATE KEY-----',
    'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw',
    '7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFc',
    '-----END RSA PRIVATE KEY-----',
  ].join('\n'),
  'database URL with password': 'postgres://admin:hunter2secretpw@db.example.com:5432/app',
  'Parley team hub token': `phub_${'Ab3_x-'.repeat(7)}A`,
};

/** The part of each sample that must not appear anywhere (the key itself, not the name before it). */
export const KEY_VALUES: Record<string, string> = Object.fromEntries(
  Object.entries(KEY_SAMPLES).map(([name, sample]) => [
    name,
    sample.includes('PRIVATE KEY') ? sample.split('\n')[1]! : (/[=:]\s*"?([^"\s]+)"?$/.exec(sample)?.[1] ?? sample).replace(/^\/\/admin:/, ''),
  ]),
);

/** The names of the samples whose value appears in `text`. */
export function leakedKeys(text: string): string[] {
  return Object.entries(KEY_VALUES)
    .filter(([name, value]) => text.includes(name === 'database URL with password' ? 'hunter2secretpw' : value))
    .map(([name]) => name);
}
