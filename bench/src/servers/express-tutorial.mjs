// The tutorial stack: Express 5 + jsonwebtoken (string secret) + express-rate-limit (memory).
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import jwt from 'jsonwebtoken';

const secret = process.env.BENCH_HS256_SECRET;
const app = express();
app.use(rateLimit({ windowMs: 60_000, limit: 1_000_000_000, standardHeaders: 'draft-7', legacyHeaders: false }));
app.use((req, res, next) => {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  try {
    req.user = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch {
    return res.status(401).json({ error: 'unauthorized' });
  }
  if (!String(req.user.scope ?? '').split(' ').includes('users:read')) return res.status(403).json({ error: 'forbidden' });
  next();
});
app.get('/users/me', (req, res) => res.json({ id: req.user.sub, email: 'alice@gatehouse.dev', name: 'Alice', role: 'user' }));
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
