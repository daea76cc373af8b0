/** A tiny but real PDF, so the relay recognises the attachment by its bytes (DESIGN §3 step 3). */
const PDF = `%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
trailer << /Root 1 0 R >>
%%EOF
`;

const headers = (subject: string, id: string) =>
  [
    'From: Müller GmbH <rechnung@mueller.test>',
    'To: invoices@acme.test',
    `Subject: ${subject}`,
    `Message-ID: <${id}@mueller.test>`,
    'Date: Thu, 01 Aug 2024 08:47:36 +0000',
    'MIME-Version: 1.0',
  ].join('\r\n');

/** A supplier's mail with one PDF invoice: imported. */
export function invoiceMail(subject: string, id: string): string {
  const pdf = Buffer.from(PDF).toString('base64');
  return `${headers(subject, id)}\r
Content-Type: multipart/mixed; boundary="b1"\r
\r
--b1\r
Content-Type: text/plain; charset=utf-8\r
\r
Please find attached our invoice.\r
--b1\r
Content-Type: application/pdf; name="RE-2024-0815.pdf"\r
Content-Disposition: attachment; filename="RE-2024-0815.pdf"\r
Content-Transfer-Encoding: base64\r
\r
${pdf}\r
--b1--\r
`;
}

/** A mail with no document at all: not imported, reason no_documents. */
export function plainMail(subject: string, id: string): string {
  return `${headers(subject, id)}\r
Content-Type: text/plain; charset=utf-8\r
\r
Just saying hello, no invoice here.\r
`;
}
